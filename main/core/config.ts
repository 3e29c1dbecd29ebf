import { readFileSync } from 'node:fs';
import { AnimaError, UsageError, errorCode } from './errors';
import { writeJsonAtomic } from './atomic';
import semver from 'semver';
import { ConfigSchema, type Config, type Environment } from '../shared/settings';

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

/** development when the runtime comes from a checkout; otherwise the channel decides. */
export function environmentOf(config: Config): Environment {
  if (config.runtime.source) return 'development';
  return config.channel === 'canary' ? 'canary' : 'stable';
}

/**
 * Reads and validates config.json. A missing file means defaults; a corrupt or
 * hand-broken one is an error that names the file and the key, and the file is
 * left exactly as it is for the user to fix.
 */
export function readConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return defaultConfig();
    throw new AnimaError('ECONFIG', `Cannot read ${file}: ${(e as Error).message}`, { cause: e, details: { file } });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AnimaError('ECONFIG', `${file} is not valid JSON: ${(e as Error).message}`, {
      hint: `Fix or remove ${file}; Anima Desktop will not overwrite it.`,
      details: { file },
    });
  }
  return validateConfig(file, raw);
}

function validateConfig(file: string, raw: unknown): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AnimaError('ECONFIG', `${file} must hold a JSON object`, { details: { file } });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(top level)';
    throw new AnimaError('ECONFIG', `${file}: "${key}" ${issue.message}${describeValue(raw, issue.path)}`, {
      hint: `Fix "${key}" in ${file} (or run \`animactl config set ${key} VALUE\`); Anima Desktop will not overwrite it.`,
      details: { file, key },
    });
  }
  return parsed.data;
}

function describeValue(raw: unknown, path: PropertyKey[]): string {
  let v: unknown = raw;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v === undefined ? '' : ` (found ${JSON.stringify(v)})`;
}

export function writeConfig(file: string, config: Config): void {
  writeJsonAtomic(file, ConfigSchema.parse(config));
}

/** Read, change, validate, write: the one way settings change, so a bad value never reaches the disk. */
export function updateConfig(file: string, change: (c: Config) => void): Config {
  const config = readConfig(file);
  change(config);
  const checked = ConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`"${issue.path.join('.')}" ${issue.message}`);
  }
  writeConfig(file, checked.data);
  return checked.data;
}

/**
 * `animactl config set KEY VALUE`. Like updateConfig, and also the repair that readConfig's
 * hint offers: when `KEY` is the very setting that makes the file invalid, it is replaced
 * in what the file holds and the whole file validated again. Any other problem (not JSON,
 * another bad key) leaves the file untouched.
 */
export function setConfigValue(file: string, key: string, value: unknown): Config {
  try {
    readConfig(file);
  } catch (e) {
    if (!(e instanceof AnimaError) || e.details?.key !== key) throw e;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    setSetting(raw as Config, key, value);
    const checked = ConfigSchema.safeParse(raw);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      // Still wrong at KEY: the new value is the problem (exit 2), as for a valid file.
      if (issue.path.join('.') === key) throw new UsageError(`"${key}" ${issue.message}`);
      validateConfig(file, raw); // throws the file's own error, naming the other key that is wrong
    }
    writeConfig(file, checked.data!);
    return checked.data!;
  }
  return updateConfig(file, (c) => setSetting(c, key, value));
}

type Kind = 'string' | 'number' | 'integer' | 'channel' | 'version-list' | 'url' | 'version' | 'path' | 'auto-mode';

/** The settings `animactl config get/set` knows, and how a command-line string becomes a value. */
export const SETTINGS: Record<string, { kind: Kind; description: string }> = {
  channel: { kind: 'channel', description: 'stable, or canary (explicit opt-in to pre-releases)' },
  'runtime.package': { kind: 'string', description: 'the npm package of the runtime' },
  'runtime.version': { kind: 'version', description: 'the pinned version (set by install and upgrade)' },
  'runtime.registry': { kind: 'url', description: 'the npm registry to install from' },
  'runtime.keepVersions': { kind: 'integer', description: 'installed versions kept for rollback' },
  'runtime.source': { kind: 'path', description: 'a source checkout to run in place (development homes)' },
  'web.port': { kind: 'integer', description: 'the TCP port of the web service' },
  'updates.checkIntervalHours': { kind: 'number', description: 'hours between update checks' },
  'updates.skipped': { kind: 'version-list', description: 'versions the user chose to skip (comma-separated)' },
  'updates.auto': { kind: 'auto-mode', description: 'off, or when-idle: install an offered version once agents have been idle for updates.idleMinutes' },
  'updates.idleMinutes': { kind: 'number', description: 'minutes without active or queued agent items before an automatic upgrade (fractions allowed)' },
  drainTimeoutSeconds: { kind: 'integer', description: 'how long a drain may take before it is forced' },
};

export function parseSettingValue(key: string, text: string): unknown {
  const setting = SETTINGS[key];
  if (!setting) throw new UsageError(`Unknown setting "${key}"`, `Known settings: ${Object.keys(SETTINGS).join(', ')}`);
  switch (setting.kind) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (setting.kind === 'integer' && !Number.isInteger(n))) {
        throw new UsageError(`"${key}" must be ${setting.kind === 'integer' ? 'a whole number' : 'a number'}, got "${text}"`);
      }
      return n;
    }
    case 'version-list':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'url':
      // config.json is a file of the home: credentials belong in the npm config, per registry.
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(text)) {
        throw new UsageError(`"${key}" must not carry credentials (user:password@)`, 'Put them in your .npmrc for that registry (for example //host/:_authToken=…) and give the URL without them.');
      }
      return text;
    case 'version':
      if (semver.valid(text) !== text) throw new UsageError(`"${text}" is not an exact semver version (for example 1.4.2)`);
      return text;
    default:
      return text;
  }
}

export function getSetting(config: Config, key: string): unknown {
  if (!SETTINGS[key]) throw new UsageError(`Unknown setting "${key}"`, `Known settings: ${Object.keys(SETTINGS).join(', ')}`);
  let v: unknown = config;
  for (const p of key.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

export function setSetting(config: Config, key: string, value: unknown): void {
  const parts = key.split('.');
  let target = config as unknown as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) {
    target[p] ??= {};
    target = target[p] as Record<string, unknown>;
  }
  target[parts[parts.length - 1]] = value;
}
