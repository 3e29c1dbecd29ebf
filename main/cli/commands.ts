import { UsageError } from '../core/errors';
import { createContext, parseChannel, type Context, type Overrides } from '../core/context';
import { acquireLock } from '../core/lock';
import { checkSpec, installVersion, reconcileCurrent } from '../core/installer';
import { channelVersion, checkForUpdates } from '../core/update-check';
import { SETTINGS, getSetting, parseSettingValue, setConfigValue, updateConfig } from '../core/config';
import { layout, resolveHome } from '../core/home';
import { runtimeStatus } from '../core/status';
import type { OptionSpec, Parsed } from './args';
import { describeInstallProgress, type Output } from './output';
import { runUpgrade } from './supervisor-commands';
import { withFirstRunCleanup } from '../core/first-run';

export interface Invocation {
  parsed: Parsed;
  /** Positionals after the command's own words. */
  rest: string[];
  out: Output;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  run(inv: Invocation): Promise<number>;
}

export function contextFor(inv: Invocation, extra: Partial<Overrides> = {}): Context {
  const v = inv.parsed.values;
  return createContext(
    { home: v.home as string | undefined, registry: v.registry as string | undefined, package: v.package as string | undefined, ...extra },
    inv.env,
  );
}

/** Runs `fn` holding the home's operation lock: a second manager gets "operation X in progress since T by pid P". */
export async function withLock<T>(ctx: Context, operation: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireLock(ctx.paths.lock, operation);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

const json = { json: { type: 'boolean', description: 'print JSON (spec/cli.md shapes)' } } as const satisfies OptionSpec;
const channelOpt = { channel: { type: 'string', value: 'C', description: 'stable or canary' } } as const satisfies OptionSpec;
const versionOpt = { version: { type: 'string', value: 'V', description: 'an exact version (1.4.2) or a dist-tag' } } as const satisfies OptionSpec;

function noExtraArgs(inv: Invocation): void {
  if (inv.rest.length) throw new UsageError(`Unexpected argument "${inv.rest[0]}"`);
}

/** The version an install should target: --version, else the channel's dist-tag (resolved by the registry, checked by the policy). */
async function targetSpec(ctx: Context, version: string | undefined): Promise<string> {
  return version !== undefined ? checkSpec(version) : channelVersion(ctx);
}

export const runtimeCommands: Command[] = [
  {
    name: 'runtime status',
    summary: 'package, registry, channel, current, pinned and installed versions',
    usage: 'animactl runtime status [--json]',
    options: json,
    async run(inv) {
      noExtraArgs(inv);
      const s = await runtimeStatus(contextFor(inv));
      if (inv.parsed.values.json) {
        inv.out.json(s);
        return 0;
      }
      inv.out.out(`package    ${s.package}`);
      inv.out.out(`registry   ${s.registry}  (from ${s.registrySource})`);
      inv.out.out(`channel    ${s.channel}`);
      inv.out.out(`current    ${s.current ?? '(none)'}`);
      inv.out.out(`pinned     ${s.pinned ?? '(none)'}`);
      inv.out.out(`installed  ${s.installed.length ? s.installed.join(', ') : '(none)'}`);
      return 0;
    },
  },
  {
    name: 'runtime install',
    summary: 'install and pin a version without restarting running services',
    usage: 'animactl runtime install [--channel C] [--version V]',
    options: { ...channelOpt, ...versionOpt },
    async run(inv) {
      noExtraArgs(inv);
      const channel = parseChannel(inv.parsed.values.channel as string | undefined);
      const version = inv.parsed.values.version as string | undefined;
      if (version !== undefined) checkSpec(version);
      const ctx = contextFor(inv, { channel });
      const result = await withFirstRunCleanup(ctx.home, () =>
        withLock(ctx, 'install', async () => {
          reconcileCurrent(ctx);
          const spec = await targetSpec(ctx, version);
          const r = await installVersion(ctx, spec, { onProgress: (p) => inv.out.progress(describeInstallProgress(p)) });
          // Opting into a channel on install is a setting change, made only once the install worked.
          if (channel && channel !== ctx.config.channel) updateConfig(ctx.paths.config, (c) => void (c.channel = channel));
          return r;
        }),
      );
      inv.out.endProgress();
      inv.out.out(
        result.alreadyInstalled
          ? `${result.package}@${result.version} was already installed; it is pinned.`
          : `Installed and pinned ${result.package}@${result.version}.`,
      );
      if (result.pruned.length) inv.out.out(`Removed old versions: ${result.pruned.join(', ')}.`);
      return 0;
    },
  },
  {
    name: 'upgrade',
    summary: 'the one-click upgrade (install, drain, swap, restart, verify, roll back on failure); --check only looks',
    usage: 'animactl upgrade [--check] [--json]',
    options: { check: { type: 'boolean', description: 'only check, install nothing' }, ...json },
    async run(inv) {
      noExtraArgs(inv);
      if (!inv.parsed.values.check) return runUpgrade(inv);
      const ctx = contextFor(inv);
      const r = await checkForUpdates(ctx);
      if (inv.parsed.values.json) {
        inv.out.json({ channel: r.channel, current: r.current, target: r.target, available: r.available, downgrade: r.downgrade, skipped: r.skipped, checkedAt: r.checkedAt, registry: r.registry, ...(r.reason ? { reason: r.reason } : {}) });
        return 0;
      }
      if (r.available) inv.out.out(`Update available on ${r.channel}: ${r.current} → ${r.target}. Run \`animactl upgrade\` to install it.`);
      else if (r.downgrade) inv.out.out(`The ${r.channel} channel offers ${r.target}, older than the running ${r.current}: downgrade explicitly with \`animactl restart --version ${r.target}\`.`);
      else if (r.skipped) inv.out.out(`${r.target} is available but you chose to skip it.`);
      else if (!r.target) inv.out.out(`Nothing offered on ${r.channel}: ${r.reason}.`);
      else if (!r.current) inv.out.out(`Not installed yet; ${r.channel} offers ${r.target}. Run \`animactl runtime install\`.`);
      else inv.out.out(`Up to date: ${r.current} (${r.channel} offers ${r.target}).`);
      return 0;
    },
  },
];

export const configCommands: Command[] = [
  {
    name: 'config get',
    summary: 'print one setting, or all of them',
    usage: 'animactl config get [KEY] [--json]',
    options: json,
    async run(inv) {
      const ctx = contextFor(inv);
      if (inv.rest.length > 1) throw new UsageError(`Unexpected argument "${inv.rest[1]}"`);
      const key = inv.rest[0];
      if (key) {
        const value = getSetting(ctx.config, key);
        if (inv.parsed.values.json) inv.out.json(value ?? null);
        else inv.out.out(value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
        return 0;
      }
      if (inv.parsed.values.json) {
        inv.out.json(ctx.config);
        return 0;
      }
      for (const k of Object.keys(SETTINGS)) {
        const value = getSetting(ctx.config, k);
        inv.out.out(`${k.padEnd(28)}${value === undefined ? '(unset)' : typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
      }
      return 0;
    },
  },
  {
    name: 'config set',
    summary: 'change a setting (validated)',
    usage: 'animactl config set KEY VALUE',
    options: {},
    async run(inv) {
      const [key, value, extra] = inv.rest;
      if (key === undefined || value === undefined) throw new UsageError('config set needs KEY and VALUE', `Settings: ${Object.keys(SETTINGS).join(', ')}`);
      if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}"`);
      const parsedValue = parseSettingValue(key, value);
      // Not createContext: that refuses a config.json with a bad value, which `config set` may repair.
      // Any other problem with the file is reported as such, and the file is not overwritten.
      setConfigValue(layout(resolveHome(inv.parsed.values.home as string | undefined, inv.env)).config, key, parsedValue);
      inv.out.out(`${key} = ${typeof parsedValue === 'object' ? JSON.stringify(parsedValue) : String(parsedValue)}`);
      return 0;
    },
  },
];


