import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import validatePackageName from 'validate-npm-package-name';
import { checkDeclaration, checkInstalledFiles } from './runtime-contract';
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
    const keys = [...new Set(parsed.error.issues.flatMap((i) => settingsOf(i.path)))];
    const first = settingsOf(issue.path);
    const others = keys.filter((k) => !first.includes(k));
    // Each bad key can be repaired on its own (setConfigValue), so every one of them is named.
    const fixes = keys.map((k) => `\`animactl config set ${k} VALUE\``).join(', then ');
    throw new AnimaError('ECONFIG', `${file}: "${key}" ${issue.message}${describeValue(raw, issue.path)}${others.length ? ` (and ${others.map((k) => `"${k}"`).join(', ')} ${others.length > 1 ? 'are' : 'is'} wrong too)` : ''}`, {
      hint: `Fix ${keys.length > 1 ? 'them' : `"${key}"`} in ${file} (or run ${fixes}); Anima Desktop will not overwrite it.`,
      details: { file, key, keys },
    });
  }
  return parsed.data;
}

/** The setting an issue is about: `updates.skipped.1` is the setting `updates.skipped`. */
function settingOf(path: PropertyKey[]): string {
  const key = path.join('.');
  return Object.keys(SETTINGS).find((k) => key === k || key.startsWith(`${k}.`)) ?? (key || '(top level)');
}

/** The settings that repair an issue: a whole section that is wrong (`"web": "abc"`) is repaired by any of its settings. */
function settingsOf(path: PropertyKey[]): string[] {
  const key = path.join('.');
  const inside = key ? Object.keys(SETTINGS).filter((k) => k.startsWith(`${key}.`)) : [];
  return inside.length ? inside : [settingOf(path)];
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
 * `animactl config set KEY VALUE` (value undefined: `config unset KEY`, back to the
 * default). Like updateConfig, and also the repair that readConfig's hint offers: when
 * KEY is one of the settings that make the file invalid, only KEY changes in what the file
 * holds, even while another key is still wrong (that one is repaired the same way, next).
 * A change to a valid key while another is wrong, or a file that is not JSON, is refused
 * and the file left as it is: nothing is overwritten behind the user's back.
 */
export function setConfigValue(file: string, key: string, value: unknown): { config: Config | null; stillWrong: AnimaError | null } {
  const change = (c: object) => (value === undefined ? unsetSetting(c, key) : setSetting(c as Config, key, value));
  try {
    readConfig(file);
  } catch (e) {
    const bad = e instanceof AnimaError ? ((e.details?.keys as string[] | undefined) ?? []) : [];
    if (!bad.includes(key)) throw e;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    change(raw);
    const checked = ConfigSchema.safeParse(raw);
    if (checked.success) {
      writeConfig(file, checked.data);
      return { config: checked.data, stillWrong: null };
    }
    const own = checked.error.issues.find((i) => settingsOf(i.path).includes(key));
    // Still wrong at KEY: the new value is the problem (exit 2), as for a valid file.
    if (own) throw new UsageError(`"${key}" ${own.message}`);
    writeJsonAtomic(file, raw);
    try {
      validateConfig(file, raw);
    } catch (left) {
      return { config: null, stillWrong: left as AnimaError };
    }
  }
  return { config: updateConfig(file, change), stillWrong: null };
}

function unsetSetting(config: object, key: string): void {
  const parts = key.split('.');
  let target = config as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) {
    if (typeof target[p] !== 'object' || target[p] === null) return;
    target = target[p] as Record<string, unknown>;
  }
  delete target[parts[parts.length - 1]];
}

type Kind = 'package-name' | 'string' | 'number' | 'integer' | 'boolean' | 'channel' | 'version-list' | 'url' | 'version' | 'path' | 'auto-mode';

/** The settings `animactl config get/set` knows, and how a command-line string becomes a value. */
export const SETTINGS: Record<string, { kind: Kind; description: string }> = {
  channel: { kind: 'channel', description: 'stable, or canary (explicit opt-in to pre-releases)' },
  'runtime.package': { kind: 'package-name', description: 'the npm package of the runtime' },
  'runtime.version': { kind: 'version', description: 'the pinned version (set by install and upgrade)' },
  'runtime.registry': { kind: 'url', description: 'the npm registry to install from' },
  'runtime.keepVersions': { kind: 'integer', description: 'installed versions kept for rollback' },
  'runtime.source': { kind: 'path', description: 'a source checkout to run in place (development homes)' },
  'web.port': { kind: 'integer', description: 'the TCP port of the web service' },
  'updates.checkIntervalHours': { kind: 'number', description: 'hours between update checks' },
  'updates.skipped': { kind: 'version-list', description: 'versions the user chose to skip (comma-separated)' },
  'updates.auto': { kind: 'auto-mode', description: 'off, or when-idle: install an offered version once agents have been idle for updates.idleMinutes' },
  'updates.prepare': { kind: 'boolean', description: 'true (default): install an offered version beside the running one in the background, so the upgrade is a restart; false: download only when you upgrade' },
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
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(t)) return true;
      if (['false', 'no', 'off', '0'].includes(t)) return false;
      throw new UsageError(`"${key}" must be true or false, got "${text}"`);
    }
    case 'version-list': {
      // `[]`, `""` and a JSON array read as they look: a list, possibly empty.
      const t = text.trim();
      if (t.startsWith('[')) {
        let list: unknown;
        try {
          list = JSON.parse(t);
        } catch {
          throw new UsageError(`"${key}" must be versions separated by commas (or [] for none), got "${text}"`);
        }
        if (!Array.isArray(list)) throw new UsageError(`"${key}" must be a list of versions, got "${text}"`);
        return list.map(String);
      }
      return t.split(',').map((s) => s.trim()).filter(Boolean);
    }
    case 'package-name': {
      const v = validatePackageName(text);
      if (!v.validForOldPackages) throw new UsageError(`"${text}" is not a valid npm package name: ${(v.errors ?? v.warnings ?? []).join('; ')}`);
      return text;
    }
    case 'path':
      return checkRuntimeSource(text);
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
    // A section that isn't an object (broken by hand) can only be replaced.
    if (typeof target[p] !== 'object' || target[p] === null || Array.isArray(target[p])) target[p] = {};
    target = target[p] as Record<string, unknown>;
  }
  target[parts[parts.length - 1]] = value;
}

/**
 * `runtime.source` is checked when set, not at the next start: a typo would otherwise
 * leave both services stopped. Stored absolute, since the supervisor runs elsewhere.
 */
function checkRuntimeSource(text: string): string {
  const dir = resolve(text);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch (e) {
    const why = errorCode(e) === 'ENOENT' ? 'it has no package.json, or does not exist' : (e as Error).message;
    throw new UsageError(`"runtime.source" must be a checkout of an Anima runtime; ${dir}: ${why}`);
  }
  try {
    checkInstalledFiles(dir, checkDeclaration(manifest, process.versions.node));
  } catch (e) {
    throw new UsageError(`"runtime.source" ${dir} is not a runtime checkout: ${(e as Error).message}`);
  }
  return dir;
}
