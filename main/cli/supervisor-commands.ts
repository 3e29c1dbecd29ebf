import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { updateConfig } from '../core/config';
import { withFirstRunCleanup } from '../core/first-run';
import { watch, statSync, openSync, readSync, closeSync } from 'node:fs';
import { AnimaError, UsageError } from '../core/errors';
import { parseChannel } from '../core/context';
import { connectIfRunning, type ControlClient } from '../core/control-client';
import { ensureSupervisor } from '../core/supervisor-process';
import { offlineStatus } from '../core/status';
import type { HomeStatus, VerifyResult } from '../shared/status';
import { tailLines } from '../core/log-tail';
import { checkSpec } from '../core/installer';
import type { OperationOutcome, SupervisorEvent } from '../shared/control-protocol';
import { contextFor, type Command, type Invocation } from './commands';
import type { OptionSpec } from './args';
import { formatBytes, type Output } from './output';

const json = { json: { type: 'boolean', description: 'print JSON (spec/cli.md shapes)' } } as const satisfies OptionSpec;
const force = { force: { type: 'boolean', description: 'skip the drain: kill the agent now (progress since its last quiescent point is lost)' } } as const satisfies OptionSpec;
const noBrowser = { 'no-browser': { type: 'boolean', description: 'never open a browser' } } as const satisfies OptionSpec;
const target = {
  channel: { type: 'string', value: 'C', description: 'stable or canary' },
  version: { type: 'string', value: 'V', description: 'an exact version (1.4.2) or a dist-tag' },
} as const satisfies OptionSpec;

/** Registry and package overrides travel with each request: the supervisor may have been started by someone else. */
function overrides(inv: Invocation) {
  const v = inv.parsed.values;
  const flag = v.registry as string | undefined;
  const registry = flag ?? inv.env.ANIMA_REGISTRY;
  const registrySource = flag ? 'the --registry flag' : 'the ANIMA_REGISTRY environment variable';
  const pkg = (v.package as string | undefined) ?? inv.env.ANIMA_RUNTIME_PACKAGE;
  return { ...(registry ? { registry, registrySource } : {}), ...(pkg ? { package: pkg } : {}) };
}

function describeProgress(ev: SupervisorEvent, out: Output): void {
  if (ev.event !== 'progress') return;
  const d = ev.data;
  // The verdict is the outcome's message, printed once at the end.
  if (d.step === 'done' || d.step === 'rolled-back' || d.step === 'failed') return;
  if (d.step === 'downloading' && typeof d.data?.bytes === 'number') {
    out.progress(`Downloading ${d.data.version}: ${formatBytes(d.data.bytes as number)}${d.data.total ? ` of ${formatBytes(d.data.total as number)}` : ''}`);
  } else if (d.step === 'draining' || d.step === 'downloading') {
    out.progress(d.message);
  } else {
    out.endProgress();
    out.err(d.message);
  }
}

/** Sends one operation to the supervisor, showing its progress events as they come. */
async function runOperation(client: ControlClient, inv: Invocation, send: () => Promise<unknown>): Promise<OperationOutcome> {
  const listener = (ev: SupervisorEvent) => describeProgress(ev, inv.out);
  client.on('event', listener);
  try {
    await client.request('subscribe', {});
    return (await send()) as OperationOutcome;
  } finally {
    client.off('event', listener);
    inv.out.endProgress();
  }
}

/** Runs one operation on a connected supervisor, prints its verdict (or JSON), closes, and gives the exit code. */
async function operate(client: ControlClient, inv: Invocation, send: () => Promise<unknown>): Promise<number> {
  try {
    const outcome = await runOperation(client, inv, send);
    if (inv.parsed.values.json) inv.out.json(outcome);
    else printOutcome(outcome, inv.out);
    return outcome.ok ? 0 : 1;
  } finally {
    client.close();
  }
}

function printOutcome(o: OperationOutcome, out: Output): void {
  if (o.forced) out.err(`Warning: ${o.forced}.`);
  // Each check was already shown as it ran; repeat only the ones that failed, next to the verdict.
  if (o.checks) for (const c of o.checks.filter((c) => !c.ok)) out.err(`  ✗ ${c.name}: ${c.detail}`);
  out.out(o.message);
}

function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}

/** The home's status: from the supervisor when one runs, else from disk (pid files show services a dead supervisor left behind). */
export async function currentStatus(inv: Invocation): Promise<HomeStatus> {
  const ctx = contextFor(inv);
  const client = await connectIfRunning(ctx.paths);
  if (!client) return offlineStatus(ctx);
  try {
    return (await client.request('status', {}, { timeoutMs: 5000 })) as HomeStatus;
  } finally {
    client.close();
  }
}

function formatUptime(startedAt: string | null): string {
  if (!startedAt) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export const supervisorCommands: Command[] = [
  {
    name: 'status',
    summary: 'what runs, from which version, in which environment',
    usage: 'animactl status [--json]',
    options: json,
    async run(inv) {
      if (inv.rest.length) throw new UsageError(`Unexpected argument "${inv.rest[0]}"`);
      const s = await currentStatus(inv);
      if (inv.parsed.values.json) {
        inv.out.json(s);
        return 0;
      }
      inv.out.out(`Anima ${s.runtime.version ?? '(not installed)'} · ${s.environment} · ${s.home}`);
      if (s.runtime.pinned && s.runtime.pinned !== s.runtime.version) inv.out.out(`  pinned ${s.runtime.pinned} (runs after the next restart)`);
      const { web, agent } = s.services;
      inv.out.out(`  web    ${web.state}${web.pid ? ` pid ${web.pid}, up ${formatUptime(web.startedAt)}, ${web.url}` : ''}`);
      inv.out.out(`  agent  ${agent.state}${agent.pid ? ` pid ${agent.pid}, up ${formatUptime(agent.startedAt)}, ${agent.active ?? 0} active, ${agent.queued ?? 0} queued` : ''}`);
      for (const svc of [web, agent]) if (svc.error && svc.state === 'crashed') inv.out.out(`  ${svc.error.split('\n')[0]}`);
      inv.out.out(`  supervisor ${s.supervisor ? `pid ${s.supervisor.pid}` : 'not running'}`);
      if (s.operation) inv.out.out(`  operation: ${s.operation.kind}${s.operation.step ? ` (${s.operation.step})` : ''} since ${s.operation.startedAt}`);
      const u = s.update;
      if (u?.available) inv.out.out(`  update available: ${u.target} (run \`animactl upgrade\`)${u.failedUpgrade ? `; the last attempt failed: ${u.failedUpgrade.reason}` : ''}`);
      else if (u?.downgrade) inv.out.out(`  the ${u.channel} channel offers ${u.target}: \`animactl restart --version ${u.target}\` to switch`);
      if (u?.error) inv.out.out(`  update check failed: ${u.error}`);
      return 0;
    },
  },
  {
    name: 'start',
    summary: 'start the services (installing the pinned or channel version on first start)',
    usage: 'animactl start [--no-browser] [--channel C] [--version V] [--dev CHECKOUT]',
    options: { ...noBrowser, ...target, dev: { type: 'string', value: 'CHECKOUT', description: "run a source checkout in place (a development home, by default CHECKOUT/.anima-dev)" } },
    async run(inv) {
      if (inv.rest.length) throw new UsageError(`Unexpected argument "${inv.rest[0]}"`);
      const channel = parseChannel(inv.parsed.values.channel as string | undefined);
      const version = inv.parsed.values.version as string | undefined;
      if (version !== undefined) checkSpec(version);
      const dev = inv.parsed.values.dev as string | undefined;
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
      try {
        if (!client) throw new AnimaError('ESUPERVISOR_GONE', 'The supervisor went away');
        printOutcome(outcome, inv.out);
        const status = (await client.request('status', {})) as HomeStatus;
        const url = status.services.web.url;
        inv.out.out(`Dashboard: ${url}`);
        if (!inv.parsed.values['no-browser'] && hasDisplay(inv.env) && process.stdout.isTTY && url) openBrowser(url);
        return outcome.ok ? 0 : 1;
      } finally {
        client?.close();
      }
    },
  },
  {
    name: 'stop',
    summary: 'drain the agent, stop web, then the supervisor',
    usage: 'animactl stop [--force]',
    options: force,
    async run(inv) {
      if (inv.rest.length) throw new UsageError(`Unexpected argument "${inv.rest[0]}"`);
      const ctx = contextFor(inv);
      let client = await connectIfRunning(ctx.paths);
      if (!client) {
        const s = offlineStatus(ctx);
        if (s.services.web.state === 'stopped' && s.services.agent.state === 'stopped') {
          inv.out.out('Nothing is running.');
          return 0;
        }
        // Services a crashed supervisor left behind: a new one adopts them, then drains them.
        client = await ensureSupervisor(ctx.paths, inv.env);
      }
      const c = client;
      return operate(c, inv, () => c.request('stop', { force: !!inv.parsed.values.force }));
    },
  },
  {
    name: 'restart',
    summary: 'restart with drain-and-resume, then verify',
    usage: 'animactl restart [--force] [--channel C] [--version V]',
    options: { ...force, ...target },
    async run(inv) {
      if (inv.rest.length) throw new UsageError(`Unexpected argument "${inv.rest[0]}"`);
      const channel = parseChannel(inv.parsed.values.channel as string | undefined);
      const version = inv.parsed.values.version as string | undefined;
      if (version !== undefined) checkSpec(version);
      const ctx = contextFor(inv, { channel });
      const client = await ensureSupervisor(ctx.paths, inv.env);
      return operate(client, inv, () =>
        client.request('restart', { force: !!inv.parsed.values.force, ...overrides(inv), ...(channel ? { channel } : {}), ...(version ? { version } : {}) }),
      );
    },
  },
  {
    name: 'dashboard',
    summary: 'print the dashboard URL and open it; never starts services',
    usage: 'animactl dashboard [--no-browser]',
    options: noBrowser,
    async run(inv) {
      const s = await currentStatus(inv);
      const url = s.services.web.url!;
      if (s.services.web.state !== 'running') {
        throw new AnimaError('ENOTRUNNING', `The web service is ${s.services.web.state}; the dashboard (${url}) is not available`, { hint: 'Start it with `animactl start`.' });
      }
      inv.out.out(url);
      if (!inv.parsed.values['no-browser'] && hasDisplay(inv.env)) openBrowser(url);
      return 0;
    },
  },
  {
    name: 'logs',
    summary: 'print the last lines of a log (web, agent, manager, supervisor)',
    usage: 'animactl logs [web|agent|manager|supervisor] [--lines N] [--follow]',
    options: { lines: { type: 'string', short: 'n', value: 'N', description: 'how many lines (default 50)' }, follow: { type: 'boolean', short: 'f', description: 'keep printing new lines' } },
    async run(inv) {
      const service = inv.rest[0] ?? 'agent';
      if (!['web', 'agent', 'manager', 'supervisor'].includes(service)) throw new UsageError(`Unknown log "${service}": use web, agent, manager or supervisor`);
      const n = Number(inv.parsed.values.lines ?? 50);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--lines must be a whole number, got "${inv.parsed.values.lines}"`);
      const file = contextFor(inv).paths.log(service);
      for (const line of tailLines(file, n)) inv.out.out(line);
      if (!inv.parsed.values.follow) return 0;
      return followFile(file, inv.out);
    },
  },
  {
    name: 'verify',
    summary: 'run the runtime contract checks (§6) against what runs now',
    usage: 'animactl verify [--json]',
    options: json,
    async run(inv) {
      const ctx = contextFor(inv);
      const client = await connectIfRunning(ctx.paths);
      if (!client) throw new AnimaError('ENOTRUNNING', `Nothing runs in ${ctx.home}: there is nothing to verify`, { hint: 'Start it with `animactl start`.' });
      let r: VerifyResult;
      try {
        r = (await client.request('verify', {}, { timeoutMs: 60_000 })) as VerifyResult;
      } finally {
        client.close();
      }
      if (inv.parsed.values.json) inv.out.json(r);
      else {
        for (const c of r.checks) inv.out.out(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
        inv.out.out(r.ok ? `Verified ${r.version}.` : 'Verification failed.');
      }
      return r.ok ? 0 : 1;
    },
  },
];

/** tail -f: print what is appended, survive truncation by rotation, until interrupted. */
function followFile(file: string, out: Output): Promise<number> {
  let pos = (() => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  })();
  const read = () => {
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size < pos) pos = 0;
    if (size === pos) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - pos);
    readSync(fd, buf, 0, buf.length, pos);
    closeSync(fd);
    pos = size;
    process.stdout.write(buf);
  };
  void out;
  return new Promise(() => {
    const timer = setInterval(read, 250);
    try {
      watch(file, read);
    } catch {
      // The poll covers it.
    }
    process.on('SIGINT', () => {
      clearInterval(timer);
      process.exit(0);
    });
  });
}

/** `animactl upgrade`: hands the transaction to the supervisor and shows its progress. */
export async function runUpgrade(inv: Invocation): Promise<number> {
  const ctx = contextFor(inv);
  const client = await ensureSupervisor(ctx.paths, inv.env);
  return operate(client, inv, () => client.request('upgrade', { ...overrides(inv) }));
}

/**
 * `start --dev CHECKOUT`: a development home (by default CHECKOUT/.anima-dev, never
 * ANIMA_HOME, which names the user's live home) that runs the checkout in place.
 * A home that already pins an installed version is a stable or canary home and stays one.
 */
function prepareDevelopmentHome(inv: Invocation, checkout: string) {
  const dir = resolve(checkout);
  if (!existsSync(join(dir, 'package.json'))) throw new UsageError(`--dev ${checkout}: ${dir} is not a package checkout (no package.json)`);
  const home = (inv.parsed.values.home as string | undefined) ?? join(dir, '.anima-dev');
  const ctx = contextFor(inv, { home });
  if (ctx.config.runtime.version && !ctx.config.runtime.source) {
    throw new AnimaError('EENVIRONMENT', `${ctx.home} is a ${ctx.environment} home pinned to ${ctx.config.runtime.version}; it can't run a checkout`, {
      hint: `Leave out --home to use ${join(dir, '.anima-dev')}, a development home of its own.`,
    });
  }
  updateConfig(ctx.paths.config, (c) => void (c.runtime.source = dir));
  return contextFor(inv, { home });
}
