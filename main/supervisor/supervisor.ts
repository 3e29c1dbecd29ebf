import { EventEmitter } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { assertCurrentInsideHome, checkSource } from '../core/runtime-source';
import { AnimaError, isAnimaError, messageOf } from '../core/errors';
import { createContext, type Context, type Overrides } from '../core/context';
import { acquireLock } from '../core/lock';
import { writeJsonAtomic } from '../core/atomic';
import { describeInstallProgress, installVersion, reconcileCurrent, type InstallProgress } from '../core/installer';
import { currentVersion, isInstalled, readInstallRecord } from '../core/runtime-store';
import { SERVICES, type ServiceName } from '../core/runtime-contract';
import { liveProcess } from '../core/pidfile';
import { httpGet } from '../core/http';
import { assertPortFree } from '../core/port';
import { rotateIfLarge, tailLines } from '../core/log-tail';
import { providerDigests, serverStartedAt, verifyRuntime, type Snapshot } from '../core/verify';
import type { Check, HomeStatus, OperationStatus, ServiceStatus, UpdateState, VerifyResult } from '../shared/status';
import { channelVersion, checkForUpdates, readFailedUpgrade, readUpdateRecord } from '../core/update-check';
import { parseSettingValue, setSetting, updateConfig } from '../core/config';
import { type Config } from '../shared/settings';
import type { OperationOutcome, ParamsOf, ProgressEvent } from '../shared/control-protocol';
import { Service, type ExitInfo } from './service';
import { decideRestart, type RestartPolicy } from './restart-policy';
import { recoverUpgrade, upgrade, type UpgradeParams } from './upgrade';
import { launchSpec } from './launch-spec';

export interface SupervisorOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  policy: RestartPolicy;
  webStartTimeoutMs: number;
  logMaxBytes: number;
}

interface AgentActivity {
  state?: string;
  active?: number;
  queued?: number;
}

/**
 * Owns one home's services: starts them from the pinned version's real folder,
 * restarts crashed ones with backoff, drains the agent before any stop, runs one
 * operation at a time (holding the home's lock, so CLIs and the tray can't collide),
 * and reports everything as state and progress events.
 */
export class Supervisor extends EventEmitter {
  readonly services: Record<ServiceName, Service> = { web: new Service('web'), agent: new Service('agent') };
  operation: OperationStatus | null = null;
  update: UpdateState | null = null;
  /** What a crash-recovery needs beyond the public status (the upgrade's from/to and snapshot), kept in run/operation.json. */
  private operationData: Record<string, unknown> = {};
  /** What the user asked for. A crash restart happens only while this says running; Stop is never undone. */
  private desired: Record<ServiceName, 'running' | 'stopped'> = { web: 'stopped', agent: 'stopped' };
  private failures: Record<ServiceName, number> = { web: 0, agent: 0 };
  private restartTimers: Partial<Record<ServiceName, NodeJS.Timeout>> = {};
  private lastContext: Context;
  private housekeeping: NodeJS.Timeout;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.lastContext = createContext({ home: opts.home }, opts.env);
    for (const name of SERVICES) {
      const svc = this.services[name];
      svc.on('state', () => this.emitState());
      svc.on('exit', (info: ExitInfo) => this.onServiceExit(name, info));
    }
    this.housekeeping = setInterval(() => this.rotateLogs(), 30_000);
    this.housekeeping.unref();
  }

  get ctx(): Context {
    return this.lastContext;
  }

  /** After a supervisor crash: adopt the services its predecessor left running (found by pid file, same start time), never a stranger. */
  recover(): string[] {
    this.recoverOperationRecord();
    // A stop that was cut short is still what the user wants: adopted services are not to be restarted.
    const stopping = this.interrupted?.kind === 'stop';
    const adopted: string[] = [];
    for (const name of SERVICES) {
      const rec = liveProcess(this.ctx.paths.pidFile(name));
      if (!rec) continue;
      const svc = this.services[name];
      svc.adopt(rec, this.ctx.paths.pidFile(name));
      svc.transition('starting');
      svc.transition('running');
      this.desired[name] = stopping ? 'stopped' : 'running';
      adopted.push(`${name} (pid ${rec.pid}, ${rec.version})`);
    }
    return adopted;
  }

  /** The operation a killed predecessor left in run/operation.json, if any. */
  private interrupted: (Record<string, unknown> & { kind: string; step: string | null }) | null = null;

  private recoverOperationRecord(): void {
    try {
      this.interrupted = JSON.parse(readFileSync(this.ctx.paths.operation, 'utf8'));
    } catch {
      this.interrupted = null;
    }
    // Start and restart need no resuming. A stop is finished; an upgrade (or its recovery)
    // is finished or rolled back, and its record stays on disk until then: it may be cut short too.
    if (!this.interrupted || !UPGRADE_KINDS.has(this.interrupted.kind)) rmSync(this.ctx.paths.operation, { force: true });
  }

  private recovery: Promise<unknown> = Promise.resolve();

  /** Finishes or rolls back an upgrade the previous supervisor was killed in the middle of. */
  resumeInterrupted(): Promise<OperationOutcome | null> {
    const rec = this.interrupted;
    this.interrupted = null;
    if (rec?.kind === 'stop') {
      const p = this.stop({});
      this.recovery = p.catch(() => {});
      return p;
    }
    if (!rec || !UPGRADE_KINDS.has(rec.kind)) return Promise.resolve(null);
    const p = recoverUpgrade(this, rec as never);
    this.recovery = p.catch(() => {});
    return p;
  }

  /** Requests that change the home wait for an interrupted upgrade to be settled first, rather than being refused. */
  whenRecovered(): Promise<unknown> {
    return this.recovery;
  }

  status(): HomeStatus {
    let ctx = this.ctx;
    try {
      ctx = createContext({ home: this.opts.home }, this.opts.env);
    } catch {
      // A config.json broken by hand: keep reporting with the last good one.
    }
    const activity = this.agentActivity();
    const svc = (name: ServiceName): ServiceStatus => {
      const s = this.services[name];
      return { state: s.state, pid: s.pid, startedAt: s.startedAt, ...(s.error ? { error: s.error } : {}) };
    };
    return {
      home: ctx.home,
      environment: ctx.environment,
      channel: ctx.channel,
      runtime: { package: ctx.packageName, version: this.services.web.version ?? this.services.agent.version ?? currentVersion(ctx.paths), pinned: ctx.config.runtime.version ?? null },
      services: {
        web: { ...svc('web'), url: `http://127.0.0.1:${ctx.webPort}` },
        agent: { ...svc('agent'), ...(this.services.agent.alive ? { active: activity.active ?? 0, queued: activity.queued ?? 0 } : {}) },
      },
      supervisor: { pid: process.pid },
      operation: this.operation,
      update: this.update,
    };
  }

  private agentActivity(): AgentActivity {
    try {
      return JSON.parse(readFileSync(this.ctx.paths.agentStatus, 'utf8')) as AgentActivity;
    } catch {
      return {};
    }
  }

  get busy(): boolean {
    return this.operation !== null;
  }

  get running(): boolean {
    return SERVICES.some((n) => this.services[n].alive);
  }

  private emitState(): void {
    this.emit('state', this.status());
  }

  progress(step: string, message: string, data?: Record<string, unknown>, opts: { asStep?: boolean } = {}): void {
    // A crash report during someone else's operation is news, not that operation's step.
    if (this.operation && opts.asStep !== false) {
      this.operation.step = step;
      this.writeOperationRecord();
    }
    const ev: ProgressEvent = { operation: this.operation?.kind ?? 'supervisor', step, message, ...(data ? { data } : {}) };
    this.emit('progress', ev);
  }

  private writeOperationRecord(): void {
    if (this.operation) writeJsonAtomic(this.ctx.paths.operation, { ...this.operationData, ...this.operation, pid: process.pid });
  }

  /** Records a step (and what recovery needs to know) durably before doing it. */
  recordStep(step: string, data: Record<string, unknown> = {}): void {
    Object.assign(this.operationData, data);
    if (this.operation) this.operation.step = step;
    this.writeOperationRecord();
  }

  /**
   * One operation at a time, in this supervisor and across processes (through the
   * home's lock). A second request while one runs is refused, not queued: the user
   * sees what is in progress and decides (spec/cli.md).
   */
  run<T>(kind: string, fn: () => Promise<T>, extra: Record<string, unknown> = {}): Promise<T> {
    if (this.operation) {
      const o = this.operation;
      return Promise.reject(
        new AnimaError('EBUSY', `Another operation "${o.kind}" in progress since ${o.startedAt} by pid ${o.pid ?? process.pid} on this home`, {
          hint: 'Wait for it to finish; `animactl status` shows its progress.',
          details: { operation: o.kind, startedAt: o.startedAt, pid: o.pid },
        }),
      );
    }
    let lock;
    try {
      lock = acquireLock(this.ctx.paths.lock, kind);
    } catch (e) {
      return Promise.reject(e);
    }
    // Set synchronously, before anything awaits: a request arriving next finds it and is refused.
    this.operation = { kind, startedAt: lock.holder.startedAt, step: null, pid: process.pid };
    this.operationData = { ...extra };
    this.writeOperationRecord();
    this.emitState();
    return Promise.resolve().then(fn).finally(() => {
      this.operation = null;
      this.operationData = {};
      rmSync(this.ctx.paths.operation, { force: true });
      lock.release();
      this.emitState();
    });
  }

  contextFor(o: Overrides & { channel?: string }): Context {
    this.lastContext = createContext({ home: this.opts.home, registry: o.registry, registrySource: o.registrySource, package: o.package, channel: o.channel }, this.opts.env);
    return this.lastContext;
  }

  // ---------------------------------------------------------------- operations

  start(params: ParamsOf<'start'>): Promise<OperationOutcome> {
    return this.run('start', async () => {
      const ctx = this.contextFor(params);
      const running = SERVICES.filter((n) => this.services[n].alive);
      const pin = ctx.config.runtime.version;
      // Changing the version of something that runs is a restart (with its drain, verification and rollback).
      if (params.version && running.length && params.version !== (this.services.web.version ?? pin)) {
        throw new AnimaError('ERUNNING', `${this.services.web.version ?? pin} is running; start does not change versions`, {
          hint: `Use \`animactl restart --version ${params.version}\`.`,
        });
      }
      if (running.length === SERVICES.length && SERVICES.every((n) => this.services[n].state === 'running')) {
        return { operation: 'start', ok: true, message: `Already running ${this.services.web.version}`, version: this.services.web.version };
      }
      const version = await this.ensureRuntime(ctx, params.version);
      try {
        await this.startServices(ctx, version);
      } catch (e) {
        // No half start: what this start launched goes again (what already ran before it stays).
        await this.stopStarted(running);
        throw e;
      }
      return { operation: 'start', ok: true, message: `Started ${ctx.packageName}@${version}`, version };
    });
  }

  /** Stops the services that were not running before, after a start that failed half-way. */
  private async stopStarted(before: ServiceName[]): Promise<void> {
    for (const name of [...SERVICES].reverse()) {
      if (before.includes(name)) continue;
      const svc = this.services[name];
      this.desired[name] = 'stopped';
      if (svc.alive) {
        if (svc.state === 'running' || svc.state === 'starting') svc.transition('stopping');
        await svc.terminate(5000);
      }
      settleStopped(svc);
    }
  }

  stop(params: ParamsOf<'stop'>): Promise<OperationOutcome> {
    return this.run('stop', async () => {
      const forced = await this.stopServices(!!params.force);
      return { operation: 'stop', ok: true, message: forced ? `Stopped (forced: ${forced})` : 'Stopped', ...(forced ? { forced } : {}) };
    });
  }

  restart(params: ParamsOf<'restart'>): Promise<OperationOutcome> {
    if (params.version || params.channel) {
      // Changing versions is the upgrade transaction (with its rollback), up or down; the
      // channel is saved only once the new version is verified.
      return this.upgrade({ version: params.version, registry: params.registry, package: params.package, allowDowngrade: true, channel: params.channel, viaRestart: true });
    }
    return this.run('restart', () => this.restartInPlace(this.contextFor(params), !!params.force));
  }

  /** Drain, stop, start the pinned version, verify: the body of `restart`, also used by `restart --version <the pin>`. */
  async restartInPlace(ctx: Context, force: boolean): Promise<OperationOutcome> {
    const before = await this.snapshot(ctx);
    const forced = await this.stopServices(force);
    const version = await this.ensureRuntime(ctx);
    await this.startServices(ctx, version);
    const result = await this.verifyNow(ctx, version, before);
    const failed = result.checks.filter((c) => !c.ok);
    return {
      operation: 'restart',
      ok: result.ok,
      message: result.ok ? `Restarted ${version}; verified` : `Restarted ${version}, but verification failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`,
      version,
      checks: result.checks,
      ...(forced ? { forced } : {}),
    };
  }

  /** After any upgrade, the published offer is refreshed: the new current version, or the failure next to the offer. */
  async upgrade(params: UpgradeParams): Promise<OperationOutcome> {
    try {
      return await upgrade(this, params);
    } finally {
      // Briefly: a registry that went away since must not hold up the outcome.
      await this.checkUpdates({ timeoutMs: 5000 }).catch(() => {});
    }
  }

  /**
   * Records a step durably, then goes on. ANIMA_TEST_HOLD_STEP (a test hook) parks the
   * operation right after recording that step, so a test can kill the supervisor
   * exactly there.
   */
  async checkpoint(step: string, data: Record<string, unknown> = {}): Promise<void> {
    this.recordStep(step, data);
    if (this.opts.env.ANIMA_TEST_HOLD_STEP === step) {
      this.progress(step, `test hook: holding at step "${step}"`);
      await new Promise(() => {});
    }
  }

  verify(): Promise<VerifyResult> {
    const ctx = this.contextFor({});
    const version = this.services.web.version ?? ctx.config.runtime.version ?? null;
    if (!version || this.services.web.state !== 'running') {
      return Promise.resolve({ ok: false, version, checks: [{ name: 'running', ok: false, detail: `web is ${this.services.web.state}` }] });
    }
    return this.verifyNow(ctx, version);
  }

  /** Asks the registry now and publishes what it offers; installs nothing. */
  async checkUpdates(opts: { timeoutMs?: number } = {}): Promise<UpdateState> {
    const ctx = this.contextFor({});
    try {
      const r = await checkForUpdates(ctx, opts);
      // A target whose upgrade failed is still offered, with the reason: the user decides whether to try again.
      const failed = readFailedUpgrade(ctx);
      const failedUpgrade = failed && failed.version === r.target ? failed : undefined;
      this.update = { channel: r.channel, current: r.current, target: r.target, available: r.available, downgrade: r.downgrade, skipped: r.skipped, checkedAt: r.checkedAt, lastSuccessAt: r.checkedAt, ...(failedUpgrade ? { failedUpgrade } : {}) };
    } catch (e) {
      const rec = readUpdateRecord(ctx.paths.updateState);
      this.update = {
        ...(this.update ?? { channel: ctx.channel, current: ctx.config.runtime.version ?? null, target: null, available: false, downgrade: false, skipped: false }),
        checkedAt: rec?.checkedAt ?? new Date().toISOString(),
        lastSuccessAt: rec?.lastSuccessAt ?? null,
        error: messageOf(e),
      };
    }
    this.emitState();
    return this.update;
  }

  skipVersion(version: string): UpdateState | null {
    updateConfig(this.ctx.paths.config, (c) => {
      if (!c.updates.skipped.includes(version)) c.updates.skipped.push(version);
    });
    this.contextFor({});
    if (this.update && this.update.target === version) this.update = { ...this.update, skipped: true, available: false };
    this.emitState();
    return this.update;
  }

  getConfig(): Config {
    return this.contextFor({}).config;
  }

  setConfig(key: string, value: string): Config {
    const parsed = parseSettingValue(key, value);
    const config = updateConfig(this.ctx.paths.config, (c) => setSetting(c, key, parsed));
    this.contextFor({});
    this.emitState();
    return config;
  }

  logs(service: string, lines: number): string[] {
    return tailLines(this.ctx.paths.log(service), lines);
  }

  // ---------------------------------------------------------------- building blocks

  /** The version to run: the pin (reinstalled if runtime/ was deleted), or on a first start the requested or channel's version. */
  private async ensureRuntime(ctx: Context, requested?: string): Promise<string> {
    if (ctx.config.runtime.source) return checkSource(ctx);
    assertCurrentInsideHome(ctx);
    reconcileCurrent(ctx);
    const pin = ctx.config.runtime.version;
    const onProgress = (p: InstallProgress) => this.progress(p.step, describeInstallProgress(p), { ...p });
    if (pin && !requested) {
      if (!isInstalled(ctx.paths, ctx.packageName, pin)) {
        this.progress('installing', `Reinstalling the pinned version ${pin}`);
        await installVersion(ctx, pin, { onProgress });
      }
      return pin;
    }
    const spec = requested ?? (await channelVersion(ctx));
    this.progress('installing', `Installing ${ctx.packageName}@${spec} (${ctx.channel}) from ${(await ctx.registry()).url}`);
    const r = await installVersion(ctx, spec, { onProgress, protect: this.runningVersions() });
    return r.version;
  }

  runningVersions(): string[] {
    return SERVICES.filter((n) => this.services[n].alive).map((n) => this.services[n].version).filter((v): v is string => !!v);
  }

  async startServices(ctx: Context, version: string): Promise<void> {
    if (!ctx.config.runtime.source && !readInstallRecord(ctx.paths.version(version))) throw new AnimaError('ENOTINSTALLED', `${ctx.packageName}@${version} is not installed in ${ctx.paths.versions}`);
    this.desired = { web: 'running', agent: 'running' };
    this.failures = { web: 0, agent: 0 };
    if (this.services.web.state !== 'running') await this.startWeb(ctx, version);
    if (this.services.agent.state !== 'running') await this.startAgent(ctx, version);
  }

  private async startWeb(ctx: Context, version: string): Promise<void> {
    const web = this.services.web;
    this.progress('starting', `Starting web ${version} on port ${ctx.webPort}`, { service: 'web', version });
    await assertPortFree(ctx.webPort);
    web.transition('starting');
    try {
      web.launch(launchSpec(ctx, 'web', version, this.opts.env));
    } catch (e) {
      // Could not even launch (its folder gone, a broken package.json): crashed, with why.
      web.transition('crashed', `web ${version} could not be launched: ${messageOf(e)}`);
      throw e;
    }
    const url = `http://127.0.0.1:${ctx.webPort}/api/health`;
    const deadline = Date.now() + this.opts.webStartTimeoutMs;
    while (Date.now() < deadline) {
      if (!web.alive) {
        const tail = tailLines(ctx.paths.log('web'), 15).join('\n');
        const error = `web ${version} exited while starting.\nLast lines of ${ctx.paths.log('web')}:\n${tail}`;
        if (web.state === 'starting') web.transition('crashed', error);
        throw new AnimaError('ESTART', error, { details: { service: 'web', version, logTail: tail } });
      }
      try {
        if ((await httpGet(url, 1000)).status === 200) {
          web.transition('running');
          return;
        }
      } catch {
        // Not listening yet.
      }
      await delay(150);
    }
    await web.terminate(5000);
    const tail = tailLines(ctx.paths.log('web'), 15).join('\n');
    const error = `web ${version} did not answer /api/health with 200 within ${Math.round(this.opts.webStartTimeoutMs / 1000)} s.\nLast lines of ${ctx.paths.log('web')}:\n${tail}`;
    if (web.state === 'starting') web.transition('crashed', error);
    throw new AnimaError('ESTART', error, { details: { service: 'web', version, logTail: tail } });
  }

  private async startAgent(ctx: Context, version: string): Promise<void> {
    const agent = this.services.agent;
    this.progress('starting', `Starting agent ${version}`, { service: 'agent', version });
    agent.transition('starting');
    try {
      agent.launch(launchSpec(ctx, 'agent', version, this.opts.env));
    } catch (e) {
      // Could not even launch (its folder gone, a broken package.json): crashed, with why.
      agent.transition('crashed', `agent ${version} could not be launched: ${messageOf(e)}`);
      throw e;
    }
    // The agent has no health endpoint: it counts as running once it has survived its first moments.
    await delay(300);
    if (!agent.alive) {
      const tail = tailLines(ctx.paths.log('agent'), 15).join('\n');
      const error = `agent ${version} exited while starting.\nLast lines of ${ctx.paths.log('agent')}:\n${tail}`;
      if (agent.state === 'starting') agent.transition('crashed', error);
      throw new AnimaError('ESTART', error, { details: { service: 'agent', version, logTail: tail } });
    }
    agent.transition('running');
  }

  /**
   * Drain-and-stop: SIGTERM the agent and wait (up to drainTimeoutSeconds) while it
   * brings each item to a quiescent point and re-queues it; then stop web. Returns
   * what was cut short when it had to force, or null.
   */
  async stopServices(force: boolean): Promise<string | null> {
    this.desired = { web: 'stopped', agent: 'stopped' };
    for (const t of Object.values(this.restartTimers)) clearTimeout(t);
    this.restartTimers = {};
    const ctx = this.ctx;
    const agent = this.services.agent;
    let forced: string | null = null;
    if (agent.alive) {
      const activity = this.agentActivity();
      if (force) {
        agent.transition('stopping');
        forced = `agent killed without draining (${activity.active ?? 0} active item(s) lose progress since their last quiescent point; none is lost)`;
        this.progress('stopping', `Forcing the agent to stop: ${forced}`, { service: 'agent', forced: true });
        agent.signal('SIGKILL');
        await agent.waitForExit(10_000);
      } else {
        agent.transition('draining');
        agent.signal('SIGTERM');
        const timeoutMs = ctx.config.drainTimeoutSeconds * 1000;
        const deadline = Date.now() + timeoutMs;
        while (agent.alive && Date.now() < deadline) {
          const a = this.agentActivity();
          this.progress('draining', `Draining: ${a.active ?? 0} agent item(s) finishing their current step, ${a.queued ?? 0} queued`, { service: 'agent', active: a.active ?? 0, queued: a.queued ?? 0 });
          await agent.waitForExit(Math.min(500, Math.max(1, deadline - Date.now())));
        }
        if (agent.alive) {
          forced = `the drain timed out after ${ctx.config.drainTimeoutSeconds} s; the agent was killed`;
          this.progress('draining', forced, { service: 'agent', forced: true });
          agent.signal('SIGKILL');
          await agent.waitForExit(10_000);
        }
      }
    }
    settleStopped(agent);
    const web = this.services.web;
    if (web.alive) {
      web.transition('stopping');
      this.progress('stopping', 'Stopping web', { service: 'web' });
      await web.terminate(force ? 2000 : 10_000);
    }
    settleStopped(web);
    return forced;
  }

  async snapshot(ctx: Context): Promise<Snapshot> {
    return {
      webPid: this.services.web.pid,
      agentPid: this.services.agent.pid,
      startedAt: this.services.web.alive ? await serverStartedAt(`http://127.0.0.1:${ctx.webPort}`) : null,
      providerDigests: providerDigests(ctx.home),
    };
  }

  async verifyNow(ctx: Context, version: string, before?: Snapshot): Promise<VerifyResult> {
    this.progress('verifying', `Verifying ${version}`);
    return verifyRuntime({
      url: `http://127.0.0.1:${ctx.webPort}`,
      home: ctx.home,
      environment: ctx.environment,
      expectedVersion: version,
      webPid: this.services.web.pid,
      agentPid: this.services.agent.pid,
      before,
      onCheck: (c: Check) => this.progress('verifying', `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`, { check: c }),
    });
  }

  // ---------------------------------------------------------------- crashes

  private onServiceExit(name: ServiceName, info: ExitInfo): void {
    const svc = this.services[name];
    if (info.requested || this.desired[name] === 'stopped') return;
    // An operation that is starting this service reports the failure itself.
    if (svc.state === 'starting') return;
    const uptime = svc.startedAt ? Date.now() - Date.parse(svc.startedAt) : 0;
    const decision = decideRestart(this.opts.policy, this.failures[name], uptime);
    this.failures[name] = decision.failures;
    const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code ?? '?'}`;
    const tail = tailLines(this.ctx.paths.log(name), 10).join('\n');
    if (!decision.restart) {
      const error = `${name} ${how}; it failed ${decision.failures} times in a row, so it stays stopped until you start it. Last lines of its log:\n${tail}`;
      if (svc.state !== 'crashed') svc.transition('crashed', error);
      this.progress('crashed', error, { service: name, failures: decision.failures }, { asStep: false });
      return;
    }
    const error = `${name} ${how}; restarting in ${decision.delayMs} ms (failure ${decision.failures} of ${this.opts.policy.maxQuickFailures})`;
    if (svc.state !== 'crashed') svc.transition('crashed', error);
    this.progress('crashed', error, { service: name, failures: decision.failures, delayMs: decision.delayMs }, { asStep: false });
    const version = svc.version;
    const attempt = () => {
      delete this.restartTimers[name];
      if (this.desired[name] !== 'running' || !version) return;
      // An operation owns the services right now: try again once it's done, without counting a failure.
      if (this.operation) {
        this.restartTimers[name] = setTimeout(attempt, decision.delayMs);
        return;
      }
      void this.run(`restart-${name}`, async () => {
        if (this.desired[name] !== 'running' || svc.alive) return;
        const ctx = this.ctx;
        try {
          if (name === 'web') await this.startWeb(ctx, version);
          else await this.startAgent(ctx, version);
        } catch (e) {
          // startWeb/startAgent left the service crashed with the reason; the next exit event continues the policy.
          this.progress('crashed', messageOf(e), { service: name }, { asStep: false });
          if (!svc.alive) this.onServiceExit(name, { code: null, signal: null, requested: false });
        }
      }).catch((e) => {
        // Another manager holds the home's lock (a CLI install): try again later, not a failure of the service.
        if (isAnimaError(e) && e.code === 'EBUSY') this.restartTimers[name] = setTimeout(attempt, decision.delayMs);
        else this.progress('crashed', messageOf(e), { service: name }, { asStep: false });
      });
    };
    this.restartTimers[name] = setTimeout(attempt, decision.delayMs);
  }

  private rotateLogs(): void {
    for (const name of [...SERVICES, 'supervisor']) {
      try {
        rotateIfLarge(this.ctx.paths.log(name), this.opts.logMaxBytes);
      } catch {
        // Rotation is housekeeping: never a reason to disturb the services.
      }
    }
  }

  dispose(): void {
    clearInterval(this.housekeeping);
    for (const t of Object.values(this.restartTimers)) clearTimeout(t);
    for (const n of SERVICES) this.services[n].dispose();
  }
}

const UPGRADE_KINDS = new Set(['upgrade', 'recover-upgrade']);

/** A service whose process is gone ends up `stopped` through legal transitions only. */
function settleStopped(svc: Service): void {
  if (svc.state === 'starting' || svc.state === 'running') svc.transition('stopping');
  // A process that outlived even SIGKILL is not stopped: say so, and let the next stop try again.
  if (svc.alive) {
    if (svc.state !== 'crashed') svc.transition('crashed', `${svc.name} (pid ${svc.pid}) did not exit when killed`);
    return;
  }
  if (svc.state !== 'stopped') svc.transition('stopped');
}


function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
