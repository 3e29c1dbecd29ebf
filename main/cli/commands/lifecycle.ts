// start, stop and restart: operations the supervisor runs, started here and followed to their verdict.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { updateConfig } from '../../core/config';
import type { Context } from '../../core/context';
import type { ControlClient } from '../../core/control-client';
import { AnimaError, UsageError } from '../../core/errors';
import { withFirstRunCleanup } from '../../core/first-run';
import { offlineStatus } from '../../core/status';
import { ensureSupervisor } from '../../core/supervisor-process';
import type { OptionSpec } from '../args';
import { hasDisplay, openBrowser } from '../browser';
import { contextFor, defineCommand, NO_BROWSER_OPTION, TARGET_OPTIONS, targetOf, type Invocation } from '../command';
import { closing, operate, overrides, printOutcome, runningSupervisor, runOperation } from '../supervisor-client';

const FORCE_OPTION = { force: { type: 'boolean', description: 'skip the drain: kill the agent now (progress since its last quiescent point is lost)' } } as const satisfies OptionSpec;

export const start = defineCommand({
  name: 'start',
  summary: 'start the services (installing the pinned or channel version on first start)',
  usage: 'animactl start [--no-browser] [--channel C] [--version V] [--dev CHECKOUT]',
  options: { ...NO_BROWSER_OPTION, ...TARGET_OPTIONS, dev: { type: 'string', value: 'CHECKOUT', description: 'run a source checkout in place (a development home, by default CHECKOUT/.anima-dev)' } },
  async run(inv) {
    const { channel, version } = targetOf(inv);
    const dev = inv.options.dev;
    const ctx = dev ? prepareDevelopmentHome(inv, dev) : contextFor(inv, { channel });
    let client: ControlClient | undefined;
    // A first start that fails (package not found, registry down) leaves no half-made home.
    const outcome = await withFirstRunCleanup(
      ctx.home,
      async () => {
        client = await ensureSupervisor(ctx.paths, inv.env);
        if (!existsSync(ctx.paths.config) && !dev) {
          inv.out.err(`First run: setting up ${ctx.home} with ${ctx.packageName} from the ${channel ?? ctx.channel} channel${version ? ` (version ${version})` : ''}.`);
        }
        const c = client;
        return runOperation(c, inv, () => c.request('start', { ...overrides(inv), ...(channel ? { channel } : {}), ...(version ? { version } : {}) }));
      },
      async () => {
        // The supervisor we started for nothing goes first, then its files.
        await client?.request('shutdown', {}, { timeoutMs: 2000 }).catch(() => {});
        client?.close();
        await new Promise((r) => setTimeout(r, 300));
      },
    );
    if (!client) throw new AnimaError('ESUPERVISOR_GONE', 'The supervisor went away');
    return closing(client, async (c) => {
      printOutcome(outcome, inv.out);
      const url = (await c.request('status', {})).services.web.url;
      inv.out.out(`Dashboard: ${url}`);
      if (!inv.options['no-browser'] && hasDisplay(inv.env) && process.stdout.isTTY && url) openBrowser(url);
      return outcome.ok ? 0 : 1;
    });
  },
});

export const stop = defineCommand({
  name: 'stop',
  summary: 'drain the agent, stop web, then the supervisor',
  usage: 'animactl stop [--force]',
  options: FORCE_OPTION,
  async run(inv) {
    const { ctx, client: running } = await runningSupervisor(inv);
    if (!running) {
      const { web, agent } = offlineStatus(ctx).services;
      if (web.state === 'stopped' && agent.state === 'stopped') {
        inv.out.out('Nothing is running.');
        return 0;
      }
    }
    // Services a crashed supervisor left behind: a new one adopts them, then drains them.
    const client = running ?? (await ensureSupervisor(ctx.paths, inv.env));
    return operate(client, inv, () => client.request('stop', { force: !!inv.options.force }));
  },
});

export const restart = defineCommand({
  name: 'restart',
  summary: 'restart with drain-and-resume, then verify',
  usage: 'animactl restart [--force] [--channel C] [--version V]',
  options: { ...FORCE_OPTION, ...TARGET_OPTIONS },
  async run(inv) {
    const { channel, version } = targetOf(inv);
    const ctx = contextFor(inv, { channel });
    const client = await ensureSupervisor(ctx.paths, inv.env);
    return operate(client, inv, () =>
      client.request('restart', { force: !!inv.options.force, ...overrides(inv), ...(channel ? { channel } : {}), ...(version ? { version } : {}) }),
    );
  },
});

/**
 * `start --dev CHECKOUT`: a development home (by default CHECKOUT/.anima-dev, never
 * ANIMA_HOME, which names the user's live home) that runs the checkout in place.
 * A home that already pins an installed version is a stable or canary home and stays one.
 */
function prepareDevelopmentHome(inv: Invocation, checkout: string): Context {
  const dir = resolve(checkout);
  if (!existsSync(join(dir, 'package.json'))) throw new UsageError(`--dev ${checkout}: ${dir} is not a package checkout (no package.json)`);
  const home = inv.options.home ?? join(dir, '.anima-dev');
  const ctx = contextFor(inv, { home });
  if (ctx.config.runtime.version && !ctx.config.runtime.source) {
    throw new AnimaError('EENVIRONMENT', `${ctx.home} is a ${ctx.environment} home pinned to ${ctx.config.runtime.version}; it can't run a checkout`, {
      hint: `Leave out --home to use ${join(dir, '.anima-dev')}, a development home of its own.`,
    });
  }
  updateConfig(ctx.paths.config, (c) => void (c.runtime.source = dir));
  return contextFor(inv, { home });
}
