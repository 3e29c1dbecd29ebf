import { checkForUpdates } from '../../core/update-check';
import { ensureSupervisor } from '../../core/supervisor-process';
import type { OptionSpec } from '../args';
import { contextFor, defineCommand, JSON_OPTION, type Invocation } from '../command';
import { operate, overrides } from '../supervisor-client';

const CHECK_OPTION = { check: { type: 'boolean', description: 'only check, install nothing' } } as const satisfies OptionSpec;

export const upgrade = defineCommand({
  name: 'upgrade',
  summary: 'the one-click upgrade (install, drain, swap, restart, verify, roll back on failure); --check only looks',
  usage: 'animactl upgrade [--check] [--json]',
  options: { ...CHECK_OPTION, ...JSON_OPTION },
  async run(inv) {
    return inv.options.check ? check(inv) : runUpgrade(inv);
  },
});

/** The transaction is the supervisor's: it outlives this process, and the tray shows the same progress. */
async function runUpgrade(inv: Invocation<typeof JSON_OPTION>): Promise<number> {
  const ctx = contextFor(inv);
  const client = await ensureSupervisor(ctx.paths, inv.env);
  return operate(client, inv, () => client.request('upgrade', { ...overrides(inv) }));
}

async function check(inv: Invocation<typeof JSON_OPTION>): Promise<number> {
  const r = await checkForUpdates(contextFor(inv));
  if (inv.options.json) {
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
}
