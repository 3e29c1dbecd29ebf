import { readFileSync } from 'node:fs';
import { SETTINGS, defaultConfig, getSetting, parseSettingValue, setConfigValue } from '../../core/config';
import type { Context } from '../../core/context';
import { connectIfRunning } from '../../core/control-client';
import { UsageError } from '../../core/errors';
import type { HomeLayout } from '../../core/home';
import { isInstalled } from '../../core/runtime-store';
import { contextFor, defineCommand, homeLayout, JSON_OPTION, type Invocation } from '../command';
import { closing, runningVersion } from '../supervisor-client';

function formatValue(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** What config.json itself says for KEY (undefined when it doesn't), before defaults fill it in. */
function inFile(file: string, key: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  for (const p of key.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

interface Effective {
  value: unknown;
  /** Where the value comes from: a flag, an environment variable, config.json or the default. */
  from: string;
  /** What config.json says, when something else wins over it. */
  overridden?: unknown;
}

/** spec/cli.md's precedence: a flag beats the environment, which beats config.json, which beats the default. */
async function effective(inv: Invocation, ctx: Context, key: string): Promise<Effective> {
  const saved = inFile(ctx.paths.config, key);
  // Every write fills in the defaults, so a saved value equal to the default is the default.
  const fromFile = saved === undefined || saved === getSetting(defaultConfig(), key) ? 'the default' : 'config.json';
  const over = (value: unknown, from: string): Effective => ({ value, from, ...(saved !== undefined && saved !== value ? { overridden: saved } : {}) });
  if (key === 'web.port' && inv.env.ANIMA_WEB_PORT) return over(ctx.webPort, 'ANIMA_WEB_PORT');
  if (key === 'runtime.package') {
    if (inv.options.package) return over(ctx.packageName, 'the --package flag');
    if (inv.env.ANIMA_RUNTIME_PACKAGE) return over(ctx.packageName, 'ANIMA_RUNTIME_PACKAGE');
  }
  if (key === 'runtime.registry') {
    const r = await ctx.registry();
    if (!/\(runtime\.registry\)$/.test(r.source)) return over(r.url, r.source.replace(/^the (\S+) environment variable$/, '$1'));
  }
  return { value: getSetting(ctx.config, key), from: fromFile };
}

/** What runs may differ from any setting until the next restart: the port web listens on now. */
async function runningPort(paths: HomeLayout): Promise<number | null> {
  const client = await connectIfRunning(paths);
  if (!client) return null;
  const s = await closing(client, (c) => c.request('status', {}, { timeoutMs: 5000 }));
  const web = s.services.web;
  return web.pid && web.url ? Number(new URL(web.url).port) : null;
}

function describe(key: string, e: Effective): string {
  const notes = [`from ${e.from}`, ...(e.overridden !== undefined ? [`config.json says ${formatValue(e.overridden)}`] : [])];
  return `${key} = ${e.value === undefined ? '(unset)' : formatValue(e.value)} (${notes.join('; ')})`;
}

export const configGet = defineCommand({
  name: 'config get',
  summary: 'print one setting (its effective value, and where it comes from), or all of them',
  usage: 'animactl config get [KEY] [--json]',
  options: JSON_OPTION,
  positionals: ['key'],
  async run(inv) {
    const ctx = contextFor(inv);
    const { key } = inv.positionals;
    if (key) {
      getSetting(ctx.config, key);
      const e = await effective(inv, ctx, key);
      if (inv.options.json) inv.out.json(e.value ?? null);
      else {
        // The bare value on stdout, for scripts; where it comes from beside it, for people.
        inv.out.out(e.value === undefined ? '' : formatValue(e.value));
        inv.out.err(describe(key, e));
      }
      if (key === 'web.port') {
        const port = await runningPort(ctx.paths);
        if (port !== null && port !== e.value && !inv.options.json) inv.out.err(`  web runs on ${port} now: it changes port only when it restarts`);
      }
      return 0;
    }
    if (inv.options.json) {
      inv.out.json(ctx.config);
      return 0;
    }
    for (const k of Object.keys(SETTINGS)) {
      const e = await effective(inv, ctx, k);
      const note = e.from === 'config.json' || e.from === 'the default' ? '' : `  (from ${e.from}${e.overridden !== undefined ? `; config.json says ${formatValue(e.overridden)}` : ''})`;
      inv.out.out(`${k.padEnd(28)}${e.value === undefined ? '(unset)' : formatValue(e.value)}${note}`);
    }
    return 0;
  },
});

/** Settings that what runs picked up when it started: changing them changes nothing until the next restart. */
const AT_RESTART = new Set(['web.port', 'runtime.package', 'runtime.source', 'runtime.version', 'drainTimeoutSeconds']);

/**
 * Writes one change and says what it means. Not contextFor: that refuses a config.json
 * with a bad value, which this may repair (setConfigValue leaves any other problem, and
 * the file, as they are).
 */
async function change(inv: Invocation, key: string, value: unknown): Promise<number> {
  const paths = homeLayout(inv);
  const { config, stillWrong } = setConfigValue(paths.config, key, value);
  inv.out.out(value === undefined ? `${key} unset (back to its default${config ? `: ${formatValue(getSetting(config, key))}` : ''})` : `${key} = ${formatValue(value)}`);
  if (stillWrong) {
    inv.out.err(`Saved; config.json still has another problem: ${stillWrong.message}`);
    if (stillWrong.hint) inv.out.err(`  ${stillWrong.hint}`);
    return 0;
  }
  if (key === 'runtime.version' && typeof value === 'string' && config && !isInstalled(paths, config.runtime.package, value)) {
    inv.out.err(`${value} is not installed yet: the next start or restart installs it (and stops nothing if it can't be had).`);
  }
  if (key === 'web.port' && inv.env.ANIMA_WEB_PORT) inv.out.err(`ANIMA_WEB_PORT=${inv.env.ANIMA_WEB_PORT} is set here, and wins over config.json for every command run with it.`);
  if (AT_RESTART.has(key) && (await runningVersion(inv))) {
    inv.out.err(`Anima is running: this takes effect at the next restart (\`animactl restart\`).`);
  }
  return 0;
}

export const configSet = defineCommand({
  name: 'config set',
  summary: 'change a setting (validated)',
  usage: 'animactl config set KEY VALUE',
  options: {},
  positionals: ['key', 'value'],
  async run(inv) {
    const { key, value } = inv.positionals;
    if (key === undefined || value === undefined) throw new UsageError('config set needs KEY and VALUE', `Settings: ${Object.keys(SETTINGS).join(', ')}`);
    return change(inv, key, parseSettingValue(key, value));
  },
});

export const configUnset = defineCommand({
  name: 'config unset',
  summary: 'put a setting back to its default',
  usage: 'animactl config unset KEY',
  options: {},
  positionals: ['key'],
  async run(inv) {
    const { key } = inv.positionals;
    if (key === undefined) throw new UsageError('config unset needs KEY', `Settings: ${Object.keys(SETTINGS).join(', ')}`);
    if (!SETTINGS[key]) parseSettingValue(key, '');
    return change(inv, key, undefined);
  },
});
