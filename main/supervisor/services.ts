import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AnimaError } from '../core/errors';
import type { Context } from '../core/context';
import type { HomeLayout } from '../core/home';
import { assertPortFree } from '../core/port';
import { readInstallRecord } from '../core/runtime-store';
import { SERVICES, type ServiceName } from '../core/runtime-contract';
import { providerDigests, serverStartedAt, verifyRuntime, type Snapshot } from '../core/verify';
import type { Check, VerifyResult } from '../shared/status';
import { launchSpec } from './launch-spec';
import { ManagedService, type ManagedServiceDeps } from './managed-service';
import { agentProbe, healthProbe } from './readiness';

export interface AgentActivity {
  pid?: number;
  state?: string;
  active?: number;
  queued?: number;
}

export type Report = (step: string, message: string, data?: Record<string, unknown>) => void;

export interface ServicesOptions {
  paths: HomeLayout;
  env: NodeJS.ProcessEnv;
  webStartTimeoutMs: number;
  report: Report;
  deps: Omit<ManagedServiceDeps, 'logFile'>;
}

/**
 * For a runtime whose agent keeps no status file (it is only recommended), how long the
 * agent must survive to count as started: pm2's min_uptime. Counted from the spawn, so it
 * includes Node's boot, which on a loaded machine, with web booting beside it, can take
 * several hundred ms. An agent that writes its status file is counted up as soon as it does.
 */
const AGENT_SURVIVAL_MS = 1000;

/**
 * A home's two services together: start them side by side, and stop them with
 * drain-and-resume (the agent first, waiting while it brings each item to a quiescent
 * point; then web).
 */
export class Services {
  readonly web: ManagedService;
  readonly agent: ManagedService;
  /** The port web was started on by this supervisor: what runs, whatever config.json says since. */
  webPort: number | null = null;

  constructor(private readonly o: ServicesOptions) {
    this.web = new ManagedService('web', { ...o.deps, logFile: o.paths.log('web') });
    this.agent = new ManagedService('agent', { ...o.deps, logFile: o.paths.log('agent') });
  }

  get all(): ManagedService[] {
    return [this.web, this.agent];
  }

  of(name: ServiceName): ManagedService {
    return name === 'web' ? this.web : this.agent;
  }

  get anyAlive(): boolean {
    return this.all.some((s) => s.proc.alive);
  }

  /** The version of what runs now (web's, or the agent's when only it runs). */
  get runningVersion(): string | null {
    return this.web.proc.version ?? this.agent.proc.version;
  }

  runningVersions(): string[] {
    return this.all.filter((s) => s.proc.alive).map((s) => s.proc.version).filter((v): v is string => !!v);
  }

  aliveNames(): ServiceName[] {
    return SERVICES.filter((n) => this.of(n).proc.alive);
  }

  /** What the agent says it is doing (runtime contract §4); shown, never relied on. */
  agentActivity(): AgentActivity {
    try {
      return JSON.parse(readFileSync(this.o.paths.agentStatus, 'utf8')) as AgentActivity;
    } catch {
      return {};
    }
  }

  /** `signal`: the user may cancel while we wait for readiness (never passed by a rollback, which must finish). */
  async startAll(ctx: Context, version: string, signal?: AbortSignal): Promise<void> {
    if (!ctx.config.runtime.source && !readInstallRecord(ctx.paths.version(version))) throw new AnimaError('ENOTINSTALLED', `${ctx.packageName}@${version} is not installed in ${ctx.paths.versions}`);
    for (const s of this.all) s.want('running');
    // Together: the contract orders nothing between them, and a restart then costs the
    // slower boot, not the sum. A failure of either is the start's failure.
    const started = await Promise.allSettled(
      (['web', 'agent'] as const).filter((n) => this.of(n).proc.state !== 'running').map((n) => this.startOne(ctx, n, version, signal)),
    );
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async startOne(ctx: Context, name: ServiceName, version: string, signal?: AbortSignal): Promise<void> {
    const target = { service: name, version, logFile: ctx.paths.log(name) };
    if (name === 'web') {
      this.o.report('starting', `Starting web ${version} on port ${ctx.webPort}`, { service: 'web', version });
      await assertPortFree(ctx.webPort);
      this.webPort = ctx.webPort;
      // New at each start: only the service launched now can echo it (runtime contract §2).
      const nonce = randomBytes(16).toString('hex');
      const spec = launchSpec(ctx, 'web', version, this.o.env);
      spec.env = { ...spec.env, ANIMA_WEB_NONCE: nonce };
      await this.web.start(spec, healthProbe(target, `http://127.0.0.1:${ctx.webPort}/api/health`, this.o.webStartTimeoutMs, { port: ctx.webPort, nonce }), signal);
    } else {
      this.o.report('starting', `Starting agent ${version}`, { service: 'agent', version });
      await this.agent.start(launchSpec(ctx, 'agent', version, this.o.env), agentProbe(target, ctx.paths.agentStatus, AGENT_SURVIVAL_MS), signal);
    }
  }

  /** Stops the services that were not running before, after a start that failed half-way. */
  async stopLaunchedSince(before: ServiceName[]): Promise<void> {
    for (const s of [...this.all].reverse()) {
      if (before.includes(s.name)) continue;
      s.want('stopped');
      if (s.proc.alive && (s.proc.state === 'running' || s.proc.state === 'starting')) s.proc.transition('stopping');
      if (s.proc.alive) await s.proc.terminate(5000);
      s.settle();
    }
  }

  /**
   * Drain-and-stop: SIGTERM the agent and wait (up to drainTimeoutSeconds) while it
   * brings each item to a quiescent point and re-queues it; then stop web. Returns
   * what was cut short when it had to force, or null.
   */
  async stopAll(ctx: Context, force: boolean): Promise<string | null> {
    for (const s of this.all) s.want('stopped');
    const forced = await this.stopAgent(ctx, force);
    await this.web.stop(force ? 2000 : 10_000, () => this.o.report('stopping', 'Stopping web', { service: 'web' }));
    return forced;
  }

  private async stopAgent(ctx: Context, force: boolean): Promise<string | null> {
    const agent = this.agent.proc;
    let forced: string | null = null;
    if (agent.alive) {
      const activity = this.agentActivity();
      if (force) {
        agent.transition('stopping');
        const active = activity.active ?? 0;
        forced = `agent killed without draining${active ? `: ${active} active ${active === 1 ? 'item starts again from its' : 'items start again from their'} last quiescent point` : ''}`;
        this.o.report('stopping', `Forcing the agent to stop: ${forced}`, { service: 'agent', forced: true });
        agent.signal('SIGKILL');
        await agent.waitForExit(10_000);
      } else {
        agent.transition('draining');
        agent.signal('SIGTERM');
        const deadline = Date.now() + ctx.config.drainTimeoutSeconds * 1000;
        while (agent.alive && Date.now() < deadline) {
          const a = this.agentActivity();
          this.o.report('draining', `Draining: ${a.active ?? 0} agent item(s) finishing their current step, ${a.queued ?? 0} queued`, { service: 'agent', active: a.active ?? 0, queued: a.queued ?? 0 });
          await agent.waitForExit(Math.min(500, Math.max(1, deadline - Date.now())));
        }
        if (agent.alive) {
          forced = `the drain timed out after ${ctx.config.drainTimeoutSeconds} s; the agent was killed`;
          this.o.report('draining', forced, { service: 'agent', forced: true });
          agent.signal('SIGKILL');
          await agent.waitForExit(10_000);
        }
      }
    }
    this.agent.settle();
    return forced;
  }

  /** Every check of runtime contract §6 against what runs, each reported as it is judged. */
  verify(ctx: Context, version: string, before: Snapshot | undefined, report: Report): Promise<VerifyResult> {
    report('verifying', `Verifying ${version}`);
    return verifyRuntime({
      // What runs: a port changed in config.json takes effect only at the next start.
      url: `http://127.0.0.1:${(this.web.proc.alive ? this.webPort : null) ?? ctx.webPort}`,
      home: ctx.home,
      environment: ctx.environment,
      expectedVersion: version,
      webPid: this.web.proc.pid,
      agentPid: this.agent.proc.pid,
      before,
      onCheck: (c: Check) => report('verifying', `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`, { check: c }),
    });
  }

  /** What is compared before and after a restart or an upgrade (runtime contract §6). */
  async snapshot(ctx: Context): Promise<Snapshot> {
    return {
      webPid: this.web.proc.pid,
      agentPid: this.agent.proc.pid,
      startedAt: this.web.proc.alive ? await serverStartedAt(`http://127.0.0.1:${ctx.webPort}`) : null,
      providerDigests: providerDigests(ctx.home),
    };
  }

  dispose(): void {
    for (const s of this.all) s.dispose();
  }
}
