import semver from 'semver';
import { updateConfig } from '../../core/config';
import type { Context } from '../../core/context';
import { UsageError } from '../../core/errors';
import { checkForUpdates, installedVersion } from '../../core/update-check';
import { decideAgainst } from '../../core/update-policy';
import { ensureSupervisor } from '../../core/supervisor-process';
import type { OptionSpec } from '../args';
import { contextFor, defineCommand, JSON_OPTION, refuseInDevelopmentHome, type Invocation } from '../command';
import { errorJson, markJsonShown } from '../output';
import { operate, overrides, runningVersion } from '../supervisor-client';

const UPGRADE_OPTIONS = {
  check: { type: 'boolean', description: 'only check, install nothing' },
  skip: { type: 'boolean', description: 'skip version V (default: the version on offer): no more offers or upgrades to it' },
  unskip: { type: 'boolean', description: 'offer version V again (default: every skipped version)' },
} as const satisfies OptionSpec;

export const upgrade = defineCommand({
  name: 'upgrade',
  summary: 'the one-click upgrade (install, drain, swap, restart, verify, roll back on failure); --check only looks',
  usage: 'animactl upgrade [--check] [--json] | upgrade --skip [V] | upgrade --unskip [V]',
  options: { ...UPGRADE_OPTIONS, ...JSON_OPTION },
  positionals: ['version'],
  async run(inv) {
    const { check: checking, skip, unskip } = inv.options;
    if ([checking, skip, unskip].filter(Boolean).length > 1) throw new UsageError('--check, --skip and --unskip go one at a time');
    const { version } = inv.positionals;
    if (version !== undefined && !skip && !unskip) throw new UsageError(`Unexpected argument "${version}"`, 'To upgrade to an exact version, run `animactl restart --version V`.');
    if (version !== undefined && semver.valid(version) !== version) throw new UsageError(`"${version}" is not an exact semver version (for example 1.4.2)`);
    if (skip) return skipVersion(inv, version);
    if (unskip) return unskipVersion(inv, version);
    return checking ? check(inv) : runUpgrade(inv);
  },
});

/** The transaction is the supervisor's: it outlives this process, and the tray shows the same progress. */
async function runUpgrade(inv: Invocation<typeof JSON_OPTION>): Promise<number> {
  const ctx = contextFor(inv);
  refuseInDevelopmentHome(ctx, 'upgrade');
  const client = await ensureSupervisor(ctx.paths, inv.env);
  return operate(client, inv, 'upgrade', () => client.request('upgrade', { ...overrides(inv) }));
}

/** What the registry offers, decided against what runs (not a version pinned for the next start). */
async function offer(inv: Invocation, ctx: Context) {
  const r = await checkForUpdates(ctx);
  const running = await runningVersion(inv);
  const d = decideAgainst({ channel: r.channel, current: running ?? installedVersion(ctx), target: r.target, reason: r.reason, skipped: ctx.config.updates.skipped });
  return { ...r, ...d, pinned: ctx.config.runtime.version ?? null };
}

async function check(inv: Invocation<typeof JSON_OPTION>): Promise<number> {
  const ctx = contextFor(inv);
  let r;
  try {
    r = await offer(inv, ctx);
  } catch (e) {
    // spec/cli.md: the check couldn't be made is exit 1, and JSON still in the documented shape.
    if (inv.options.json) inv.out.json({ channel: ctx.channel, current: installedVersion(ctx), target: null, available: false, error: errorJson(e) });
    throw markJsonShown(e);
  }
  if (inv.options.json) {
    inv.out.json({ channel: r.channel, current: r.current, pinned: r.pinned, target: r.target, available: r.available, downgrade: r.downgrade, skipped: r.skipped, checkedAt: r.checkedAt, registry: r.registry, ...(r.reason ? { reason: r.reason } : {}) });
    return 0;
  }
  if (r.available) inv.out.out(`Update available on ${r.channel}: ${r.current} → ${r.target}. Run \`animactl upgrade\` to install it.`);
  else if (r.downgrade) inv.out.out(`The ${r.channel} channel offers ${r.target}, older than the running ${r.current}: downgrade explicitly with \`animactl restart --version ${r.target}\`.`);
  else if (r.skipped) inv.out.out(`${r.target} is available but you chose to skip it (\`animactl upgrade --unskip ${r.target}\` offers it again).`);
  else if (!r.target) inv.out.out(`Nothing offered on ${r.channel}: ${r.reason}.`);
  else if (!r.current) inv.out.out(`Not installed yet; ${r.channel} offers ${r.target}. Run \`animactl runtime install\`.`);
  else inv.out.out(`Up to date: ${r.current} (${r.channel} offers ${r.target}).`);
  if (r.pinned && r.current && r.pinned !== r.current) inv.out.out(`${r.current} runs; ${r.pinned} is pinned for the next start.`);
  return 0;
}

async function skipVersion(inv: Invocation<typeof JSON_OPTION>, version: string | undefined): Promise<number> {
  const ctx = contextFor(inv);
  let target = version;
  if (!target) {
    const r = await offer(inv, ctx);
    if (!r.target || !(r.available || r.skipped)) throw new UsageError(`Nothing newer is offered on ${r.channel}${r.target ? ` (it offers ${r.target}, and ${r.current} runs)` : ''}: name the version to skip`, 'Run `animactl upgrade --skip V`.');
    target = r.target;
  }
  const v = target;
  const config = updateConfig(ctx.paths.config, (c) => {
    if (!c.updates.skipped.includes(v)) c.updates.skipped.push(v);
  });
  if (inv.options.json) inv.out.json({ skipped: config.updates.skipped });
  else inv.out.out(`Skipping ${v}: it is no longer offered, and \`animactl upgrade\` won't install it (\`animactl upgrade --unskip ${v}\` undoes this).`);
  return 0;
}

async function unskipVersion(inv: Invocation<typeof JSON_OPTION>, version: string | undefined): Promise<number> {
  const ctx = contextFor(inv);
  const before = ctx.config.updates.skipped;
  if (version && !before.includes(version)) throw new UsageError(`${version} is not skipped${before.length ? ` (skipped: ${before.join(', ')})` : ''}`);
  const config = updateConfig(ctx.paths.config, (c) => {
    c.updates.skipped = version ? c.updates.skipped.filter((s) => s !== version) : [];
  });
  if (inv.options.json) inv.out.json({ skipped: config.updates.skipped });
  else if (!before.length) inv.out.out('No version was skipped.');
  else inv.out.out(`Offered again: ${version ?? before.join(', ')}.`);
  return 0;
}
