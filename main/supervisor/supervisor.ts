import { EventEmitter } from 'node:events';
import { AnimaError, messageOf } from '../core/errors';
import { contextOrDefaults, createContext, type Context, type Overrides } from '../core/context';
import type { Snapshot } from '../core/verify';
import type { HomeStatus, UpdateState, VerifyResult, Vitals } from '../shared/status';
import { sampleVitals, type VitalsSampler } from './vitals';
import { homeStatus } from './status-report';
import { AutoUpgrader } from './auto-upgrade';
import { Preparer } from './prepare';
import { isInstalled, sweepLeftovers } from '../core/runtime-store';
import type { OperationOutcome, ParamsOf, ProgressEvent } from '../shared/control-protocol';
import type { RestartPolicy } from './restart-policy';
import { OperationRunner } from './operation-runner';
import { Services } from './services';
import type { ManagedService } from './managed-service';
import { Updates, offeredUpgrade } from './update-offer';
import { recoverUpgrade, upgrade, type UpgradeHost, type UpgradeParams } from './upgrade';
import type { UpgradePhase } from './upgrade-phase';
import { adoptServices, readInterrupted, type Interrupted } from './recovery';
import { ensureRuntime } from './ensure-runtime';
import { RegistryWorker } from './registry-worker';
import type { RegistryTask, TaskContext, TaskResults } from './registry-task';
import { describeInstallProgress } from '../core/installer';

export interface SupervisorOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  policy: RestartPolicy;
  webStartTimeoutMs: number;
  /** How often automatic upgrades (updates.auto) look at the offer and the agent's idleness. */
  autoUpgradeTickMs?: number;
}

/**
 * Owns one home's services: wiring between the services (each with its own desired
 * state, readiness probe and crash-restart loop), the operation runner (one at a time,
 * under the home's lock, with its journal), the upgrade transaction and the update offer.
 * Everything it does is reported as state and progress events.
 */
export class Supervisor extends EventEmitter implements UpgradeHost {
  readonly services: Services;
  private readonly ops: OperationRunner;
  readonly updates: Updates;
  private lastUpgrade: HomeStatus['lastUpgrade'] = null;
  private lastContext: Context;
  private lastOverrides: Omit<TaskContext, 'home'> = {};
  private readonly auto: AutoUpgrader;
  private readonly preparer: Preparer;
  private readonly vitalsSampler: VitalsSampler;
  private readonly registry: RegistryWorker;
  /** Whether a window watches (a subscribed client): set by the control server's owner. */
  watched: () => boolean = () => false;
  /** The operation a killed predecessor left in its journal, until it is settled. */
  private interrupted: Interrupted = null;
  private recovery: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.lastContext = contextOrDefaults({ home: opts.home }, opts.env, (e) =>
      process.stdout.write(`${new Date().toISOString()} [supervisor ${process.pid}] config.json can't be read (${messageOf(e)}); adopting and stopping services works, anything else waits until it is fixed\n`),
    );
    this.registry = new RegistryWorker(opts.env);
    const paths = this.lastContext.paths;
    this.ops = new OperationRunner({ lock: paths.lock, journal: paths.operation }, () => this.emitState(), opts.env.ANIMA_TEST_HOLD_STEP);
    this.services = new Services({
      paths,
      env: opts.env,
      webStartTimeoutMs: opts.webStartTimeoutMs,
      report: (step, message, data) => this.progress(step, message, data),
      deps: {
        policy: opts.policy,
        // A crash report during someone else's operation is news, not that operation's step.
        reportCrash: (message, data) => this.progress('crashed', message, data, { asStep: false }),
        busy: () => this.ops.busy,
        relaunch: (svc, version) => this.relaunch(svc, version),
      },
    });
    this.vitalsSampler = sampleVitals(this.services, () => this.watched());
    for (const s of this.services.all) s.proc.on('state', () => this.emitState());
    this.updates = new Updates({
      context: () => this.contextFor({}),
      runningVersion: () => this.services.runningVersion,
      emitState: () => this.emitState(),
      check: (timeoutMs) => this.registry.run({ home: opts.home }, { task: 'check', timeoutMs }).then(() => {}),
    });
    this.preparer = new Preparer({
      context: () => createContext({ home: opts.home }, opts.env),
      offer: (ctx) => this.updates.offer.state(ctx, this.services.runningVersion),
      runInBackground: (kind, fn) => this.ops.runInBackground(kind, fn),
      install: (version, signal) =>
        this.registry.run({ home: opts.home }, { task: 'install', spec: version, activate: false, protect: this.services.runningVersions() }, { signal }).catch((e: unknown) => {
          // Cancelled, the worker was killed mid-install: its staging folder goes now, while we still hold the lock.
          sweepLeftovers(this.ctx.paths);
          throw e;
        }),
      onChange: () => this.emitState(),
    });
    this.auto = new AutoUpgrader({
      context: () => createContext({ home: opts.home }, opts.env),
      offer: (ctx) => this.updates.offer.state(ctx, this.services.runningVersion),
      agent: () => ({ proc: this.services.agent.proc, activity: this.services.agentActivity() }),
      busy: () => this.ops.busy,
      upgrade: (version) => this.upgrade({ version }),
      progress: (step, message, data) => this.progress(step, message, data, { asStep: false }),
      onChange: () => this.emitState(),
      tickMs: opts.autoUpgradeTickMs ?? 10_000,
    });
  }

  get ctx(): Context {
    return this.lastContext;
  }

  get busy(): boolean {
    return this.ops.busy;
  }

  get running(): boolean {
    return this.services.anyAlive;
  }

  anyServiceAlive(): boolean {
    return this.services.anyAlive;
  }

  runningVersion(): string | null {
    return this.services.anyAlive ? this.services.runningVersion : null;
  }

  offeredVersion(ctx: Context): string | null {
    return offeredUpgrade(this.updates.offer.state(ctx, this.services.runningVersion));
  }

  contextFor(o: Overrides & { channel?: string }): Context {
    this.lastOverrides = { registry: o.registry, registrySource: o.registrySource, package: o.package, channel: o.channel };
    this.lastContext = createContext({ home: this.opts.home, ...this.lastOverrides }, this.opts.env);
    return this.lastContext;
  }

  /** Registry work in the short-lived registry worker, for the context of the last contextFor; a cancel ends it. */
  registryTask<T extends RegistryTask>(task: T): Promise<TaskResults[T['task']]> {
    return this.registry.run({ home: this.opts.home, ...this.lastOverrides }, task, {
      onProgress: (p) => this.progress(p.step, describeInstallProgress(p), { ...p }),
      onNote: (message) => this.progress('installing', message),
      signal: this.ops.signal,
    });
  }

  // ---------------------------------------------------------------- start-up after a crash

  /** Reads what a killed predecessor left half-done and adopts the services it left running. */
  recover(): string[] {
    this.interrupted = readInterrupted(this.ops, (message) => this.progress('failed', message, undefined, { asStep: false }));
    return adoptServices(this.services, this.ctx.paths, this.interrupted?.kind === 'stop');
  }

  /** Finishes a stop, or settles an upgrade, that the previous supervisor was killed in the middle of. */
  resumeInterrupted(): Promise<OperationOutcome | null> {
    const i = this.interrupted;
    this.interrupted = null;
    const p = !i ? Promise.resolve(null) : i.kind === 'stop' ? this.stop({}) : recoverUpgrade(this, i.record);
    this.recovery = p.catch(() => {});
    return p;
  }

  /** Requests that change the home wait for an interrupted operation to be settled first, rather than being refused. */
  whenRecovered(): Promise<unknown> {
    return this.recovery;
  }

  // ---------------------------------------------------------------- what we report

  status(): HomeStatus {
    let ctx = this.ctx;
    try {
      ctx = createContext({ home: this.opts.home }, this.opts.env);
    } catch {
      // A config.json broken by hand: keep reporting with the last good one.
    }
    return { ...homeStatus(ctx, this.services, this.ops.current, this.updateState(ctx)), lastUpgrade: this.lastUpgrade };
  }

  private updateState(ctx: Context): UpdateState | null {
    const offer = this.updates.state(ctx);
    if (!offer) return null;
    const target = offer.available ? offer.target : null;
    const failed = this.preparer.failed;
    return {
      ...offer,
      auto: this.auto.plan,
      ...(this.auto.last ? { lastAutoUpgrade: this.auto.last } : {}),
      ...(target ? { prepared: isInstalled(ctx.paths, ctx.packageName, target), preparing: this.preparer.preparing === target } : {}),
      ...(target && failed?.version === target ? { prepareError: failed.message } : {}),
    };
  }

  private emitState(): void {
    this.emit('state', this.status());
  }

  /** A progress event; it also shows as the current operation's step unless it is news from elsewhere (a crash). */
  progress(step: string, message: string, data?: Record<string, unknown>, opts: { asStep?: boolean } = {}): void {
    if (opts.asStep !== false) this.ops.showStep(step);
    const ev: ProgressEvent = { operation: this.ops.current?.kind ?? 'supervisor', step, message, ...(data ? { data } : {}) };
    this.emit('progress', ev);
  }

  // ---------------------------------------------------------------- operations

  run<T>(kind: string, fn: () => Promise<T>, initial?: { step: string } & Record<string, unknown>): Promise<T> {
    // A check that came while an operation ran could not prepare its offer then.
    return this.ops.run(kind, fn, initial).finally(() => this.preparer.maybePrepare());
  }

  checkpoint(phase: UpgradePhase): Promise<void> {
    return this.ops.checkpoint(phase);
  }

  start(params: ParamsOf<'start'>): Promise<OperationOutcome> {
    return this.run('start', async () => {
      const ctx = this.contextFor(params);
      const running = this.services.aliveNames();
      const pin = ctx.config.runtime.version;
      const webVersion = this.services.web.proc.version;
      // Changing the version of something that runs is a restart (with its drain, verification and rollback).
      if (params.version && running.length && params.version !== (webVersion ?? pin)) {
        throw new AnimaError('ERUNNING', `${webVersion ?? pin} is running; start does not change versions`, { hint: `Use \`animactl restart --version ${params.version}\`.` });
      }
      if (this.services.all.every((s) => s.proc.state === 'running')) {
        return { operation: 'start', ok: true, message: `Already running ${webVersion}`, version: webVersion };
      }
      const version = await this.ensureRuntime(ctx, params.version);
      try {
        await this.services.startAll(ctx, version, this.ops.signal);
      } catch (e) {
        // No half start: what this start launched goes again (what already ran before it stays).
        await this.services.stopLaunchedSince(running);
        throw e;
      }
      return { operation: 'start', ok: true, message: `Started ${ctx.packageName}@${version}`, version };
    });
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

  /**
   * Drain, stop, start the pinned version, verify: the body of `restart`, also used by
   * `restart --version <the pin>`. The version to start is had (checked, reinstalled if
   * missing) before the drain: when it can't be, nothing has stopped.
   */
  async restartInPlace(ctx: Context, force: boolean): Promise<OperationOutcome> {
    const version = await this.ensureRuntime(ctx);
    const before = await this.snapshot(ctx);
    const forced = await this.stopServices(force);
    await this.startServices(ctx, version, this.ops.signal);
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
    const from = this.services.runningVersion ?? this.ctx.config.runtime.version ?? null;
    try {
      const o = await upgrade(this, params);
      // Refusals (another operation running) throw and leave the last outcome as it was.
      this.lastUpgrade = { from, to: o.version ?? null, ok: o.ok, message: o.message, at: new Date().toISOString() };
      return o;
    } finally {
      // The offer is decided against what runs, so it is right at once; a fresh look at the
      // registry follows in the background rather than holding up the outcome.
      void this.checkUpdates({ timeoutMs: 5000 }).catch(() => {});
    }
  }

  /** The runtime dashboard's Upgrade button: the one click, to the offered version; answers once it has started (the page itself goes down with the restart). */
  upgradeOffered(version: string): { started: string } {
    this.updates.assertOffered(version);
    const busy = this.ops.refusal();
    if (busy) throw busy;
    void this.upgrade({ version }).catch(() => {});
    return { started: version };
  }

  vitals(): Vitals {
    return this.vitalsSampler.snapshot();
  }

  verify(): Promise<VerifyResult> {
    // Verifying reads no setting that matters: a config.json broken meanwhile doesn't stop it.
    let ctx = this.ctx;
    try {
      ctx = this.contextFor({});
    } catch {
      // The last good context it is.
    }
    const web = this.services.web.proc;
    const version = web.version ?? ctx.config.runtime.version ?? null;
    if (!version || web.state !== 'running') return Promise.resolve({ ok: false, version, checks: [{ name: 'running', ok: false, detail: `web is ${web.state}` }] });
    return this.verifyNow(ctx, version);
  }

  /** Asks the registry now and publishes what it offers; with `updates.prepare`, a newer version offered is then installed beside the running one in the background (never pinned, never started). */
  async checkUpdates(opts: { timeoutMs?: number } = {}): Promise<UpdateState> {
    await this.updates.check(opts);
    this.preparer.maybePrepare();
    return this.updateState(this.ctx)!;
  }

  /** Settings changed by a client: what we report follows them at once. */
  settingsChanged(): void {
    this.contextFor({});
    this.emitState();
  }

  // ---------------------------------------------------------------- building blocks

  private ensureRuntime(ctx: Context, requested?: string): Promise<string> {
    return ensureRuntime(ctx, requested, { progress: (step, message, data) => this.progress(step, message, data), protect: this.services.runningVersions(), install: (t) => this.registryTask(t) });
  }

  startServices(ctx: Context, version: string, signal?: AbortSignal): Promise<void> {
    return this.services.startAll(ctx, version, signal);
  }

  get cancelSignal(): AbortSignal | undefined {
    return this.ops.signal;
  }

  /** The user's way out of an operation that waits (a web service that never gets healthy): it winds down like a failure. */
  cancel(): { cancelled: { kind: string; startedAt: string } | null } {
    const cancelled = this.ops.cancel();
    if (cancelled) this.progress('cancelling', `Cancelling ${cancelled.kind} (started ${cancelled.startedAt}): it stops waiting and winds down`, { ...cancelled }, { asStep: false });
    return { cancelled };
  }

  stopServices(force: boolean): Promise<string | null> {
    return this.services.stopAll(this.ctx, force);
  }

  snapshot(ctx: Context): Promise<Snapshot> {
    return this.services.snapshot(ctx);
  }

  verifyNow(ctx: Context, version: string, before?: Snapshot): Promise<VerifyResult> {
    return this.services.verify(ctx, version, before, (step, message, data) => this.progress(step, message, data));
  }

  /** A crash restart: an operation of its own, so it never overlaps a user's. */
  private relaunch(svc: ManagedService, version: string): Promise<void> {
    return this.run(`restart-${svc.name}`, async () => {
      if (svc.desired !== 'running' || svc.proc.alive) return;
      await this.services.startOne(this.ctx, svc.name, version);
    });
  }

  dispose(): void {
    this.auto.dispose();
    this.registry.dispose();
    this.vitalsSampler.dispose();
    this.services.dispose();
  }
}

