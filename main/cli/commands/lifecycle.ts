// start, stop and restart: operations the supervisor runs, started here and followed to their verdict.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { updateConfig } from '../../core/config';
import type { Context } from '../../core/context';
import type { ControlClient } from '../../core/control-client';
import { AnimaError, UsageError } from '../../core/errors';
import { withFirstRunCleanup } from '../../core/first-run';
import { offlineStatus, offlineStatusWithoutConfig } from '../../core/status';
import { ensureSupervisor } from '../../core/supervisor-process';
import type { OptionSpec } from '../args';
import { hasDisplay, openBrowser } from '../browser';
import { loopbackDashboardUrl } from '../../shared/dashboard-url';
import { connectIfRunning } from '../../core/control-client';
import { contextFor, contextIfReadable, defineCommand, expandTilde, JSON_OPTION, NO_BROWSER_OPTION, refuseInDevelopmentHome, TARGET_OPTIONS, targetOf, type Invocation } from '../command';
import { closing, operate, overrides, printOutcome, runOperation } from '../supervisor-client';

const FORCE_OPTION = { force: { type: 'boolean', description: 'skip the drain: kill the agent now (progress since its last quiescent point is lost)' } } as const satisfies OptionSpec;

export const start = defineCommand({
  name: 'start',
  summary: 'start the services (installing the pinned or channel version on first start)',
  usage: 'animactl start [--no-browser] [--channel C] [--version V] [--dev CHECKOUT] [--json]',
  options: { ...NO_BROWSER_OPTION, ...TARGET_OPTIONS, ...JSON_OPTION },
  async run(inv) {
    const { channel, version } = targetOf(inv);
    const dev = inv.options.dev;
    if (dev !== undefined && (version || channel)) throw new UsageError(`--dev runs the checkout ${dev} in place: it takes no --version or --channel`);
    const ctx = dev !== undefined ? prepareDevelopmentHome(inv, dev) : contextFor(inv, { channel });
    if (version || channel) refuseInDevelopmentHome(ctx, `start --${version ? 'version' : 'channel'}`);
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
        return runOperation(c, inv, () => c.request('start', { ...overrides(inv), ...(channel ? { channel } : {}), ...(version ? { version } : {}) }), 'start');
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
      const url = loopbackDashboardUrl((await c.request('status', {})).services.web.url);
      if (inv.options.json) {
        inv.out.json({ ...outcome, url });
        return outcome.ok ? 0 : 1;
      }
      printOutcome(outcome, inv.out);
      inv.out.out(`Dashboard: ${url}`);
      if (!inv.options['no-browser'] && hasDisplay(inv.env) && process.stdout.isTTY && url) openBrowser(url);
      return outcome.ok ? 0 : 1;
    });
  },
});

export const stop = defineCommand({
  name: 'stop',
  summary: 'drain the agent, stop web, then the supervisor',
  usage: 'animactl stop [--force] [--json]',
  options: { ...FORCE_OPTION, ...JSON_OPTION },
  async run(inv) {
    // A broken config.json must not keep anything running: the supervisor keeps the last good settings.
    const { ctx, paths, problem } = contextIfReadable(inv);
    const running = await connectIfRunning(paths);
    if (!running) {
      const { web, agent } = (ctx ? offlineStatus(ctx) : offlineStatusWithoutConfig(paths)).services;
      if (web.state === 'stopped' && agent.state === 'stopped') {
        if (inv.options.json) inv.out.json({ operation: 'stop', ok: true, message: 'Nothing is running' });
        else inv.out.out('Nothing is running.');
        return 0;
      }
    }
    // Services a crashed supervisor left behind: a new one adopts them, then drains them
    // (it starts on the defaults while config.json is broken, and says so in its log).
    if (problem) inv.out.err(`Warning: ${problem.message}; stopping with the last good or default settings.`);
    const client = running ?? (await ensureSupervisor(paths, inv.env));
    return operate(client, inv, 'stop', () => client.request('stop', { force: !!inv.options.force }));
  },
});

export const restart = defineCommand({
  name: 'restart',
  summary: 'restart with drain-and-resume, then verify',
  usage: 'animactl restart [--force] [--channel C] [--version V] [--json]',
  options: { ...FORCE_OPTION, ...TARGET_OPTIONS, ...JSON_OPTION },
  async run(inv) {
    const { channel, version } = targetOf(inv);
    const ctx = contextFor(inv, { channel });
    if (version || channel) refuseInDevelopmentHome(ctx, `restart --${version ? 'version' : 'channel'}`);
    const client = await ensureSupervisor(ctx.paths, inv.env);
    return operate(client, inv, 'restart', () =>
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
  const dir = resolve(expandTilde(checkout, inv.env));
  if (!existsSync(join(dir, 'package.json'))) throw new UsageError(`--dev ${checkout}: ${dir} is not a package checkout (no package.json)`);
  const home = inv.options.home !== undefined ? expandTilde(inv.options.home, inv.env) : join(dir, '.anima-dev');
  const ctx = contextFor(inv, { home });
  const created = !existsSync(ctx.paths.config);
  if (ctx.config.runtime.version && !ctx.config.runtime.source) {
    throw new AnimaError('EENVIRONMENT', `${ctx.home} is a ${ctx.environment} home pinned to ${ctx.config.runtime.version}; it can't run a checkout`, {
      hint: `Leave out --home to use ${join(dir, '.anima-dev')}, a development home of its own.`,
    });
  }
  updateConfig(ctx.paths.config, (c) => void (c.runtime.source = dir));
  inv.out.err(`${created ? 'Created the development home' : 'Development home'} ${ctx.home}, running ${dir} in place (use --dev ${checkout} or --home ${ctx.home} with other commands).`);
  return contextFor(inv, { home });
}
