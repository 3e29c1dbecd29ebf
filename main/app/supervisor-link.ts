import { EventEmitter } from 'node:events';
import { layout, type HomeLayout } from '../core/home';
import { connectIfRunning, type ControlClient } from '../core/control-client';
import { ensureSupervisor } from '../core/supervisor-process';
import { createContext } from '../core/context';
import { offlineStatus } from '../core/status';
import type { HomeStatus } from '../shared/status';
import { errorBody, messageOf } from '../core/errors';
import type { Method, OperationOutcome, ParamsOf, ResultOf, SupervisorEvent } from '../shared/control-protocol';
import type { AppState, OutcomeView, Result } from '../shared/ipc-contract';

export interface LinkOptions {
  home: string;
  appVersion: string;
  /** The environment the supervisor is started with (registry, ANIMA_WEB_PORT…). */
  env?: NodeJS.ProcessEnv;
  /** Delays between reconnection attempts while no supervisor answers; the last one repeats. */
  retryMs?: number[];
  log?: (msg: string) => void;
  connect?: (paths: HomeLayout) => Promise<ControlClient | null>;
  ensure?: (paths: HomeLayout, env: NodeJS.ProcessEnv) => Promise<ControlClient>;
}

const MAX_PROGRESS = 200;

/**
 * The tray app's link to its home's supervisor, with no Electron in it: connects when one
 * runs, subscribes to pushed state and progress (never polls the services), shows
 * "supervisor not running" with the home's offline status when none does and retries
 * with backoff, starts one (ensureSupervisor) only for an action that needs it, and
 * keeps what the window and the tray render in one AppState.
 *
 * Emits 'state' (AppState), 'progress' (ProgressEvent) and 'outcome' (OutcomeView).
 */
export class SupervisorLink extends EventEmitter {
  readonly paths: HomeLayout;
  readonly env: NodeJS.ProcessEnv;
  state: AppState;
  private client: ControlClient | null = null;
  private attaching: Promise<ControlClient | null> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryIndex = 0;
  private disposed = false;
  private readonly retryMs: number[];
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: LinkOptions) {
    super();
    this.paths = layout(opts.home);
    this.env = { ...(opts.env ?? process.env), ANIMA_HOME: this.paths.home };
    this.retryMs = opts.retryMs ?? [1000, 2000, 3000, 5000];
    this.log = opts.log ?? (() => {});
    this.state = { home: this.paths.home, appVersion: opts.appVersion, connection: 'connecting', status: null, error: null, busy: null, progress: [], lastOutcome: null };
  }

  get connected(): boolean {
    return !!this.client && !this.client.isClosed;
  }

  /** Connects if a supervisor runs; otherwise shows the offline status and keeps retrying. */
  async start(): Promise<void> {
    await this.tryConnect();
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.client?.close();
    this.client = null;
    this.removeAllListeners();
  }

  private setState(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    this.emit('state', this.state);
  }

  private async tryConnect(): Promise<void> {
    if (this.disposed || this.connected) return;
    let c: ControlClient | null = null;
    try {
      c = await this.attach(() => (this.opts.connect ?? ((p) => connectIfRunning(p)))(this.paths));
    } catch (e) {
      this.log(`connecting to the supervisor failed: ${messageOf(e)}`);
    }
    if (!c && !this.disposed) {
      this.showOffline();
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.disposed || this.retryTimer) return;
    const delay = this.retryMs[Math.min(this.retryIndex, this.retryMs.length - 1)];
    this.retryIndex++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.tryConnect();
    }, delay);
    this.retryTimer.unref?.();
  }

  /** The home as it is with no supervisor: services from the pid files, version from the pin. */
  private showOffline(): void {
    let status: HomeStatus | null = null;
    let error: string | null = null;
    try {
      status = offlineStatus(createContext({ home: this.paths.home }, this.env));
    } catch (e) {
      error = messageOf(e);
    }
    this.setState({ connection: 'not-running', status, error });
  }

  /** One connection attempt at a time; a second caller waits for the first. */
  private attach(open: () => Promise<ControlClient | null>): Promise<ControlClient | null> {
    if (this.connected) return Promise.resolve(this.client);
    if (this.attaching) return this.attaching;
    this.attaching = (async () => {
      const c = await open();
      if (!c) return null;
      if (this.disposed) {
        c.close();
        return null;
      }
      c.on('event', (ev: SupervisorEvent) => this.onEvent(ev));
      c.on('close', () => {
        if (this.client !== c) return;
        this.client = null;
        this.log('the supervisor closed the connection');
        this.showOffline();
        this.retryIndex = 0;
        this.scheduleRetry();
      });
      const status = await c.request('subscribe', {}, { timeoutMs: 10_000 });
      this.client = c;
      this.retryIndex = 0;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.setState({ connection: 'connected', status, error: null });
      return c;
    })().finally(() => (this.attaching = null));
    return this.attaching;
  }

  private onEvent(ev: SupervisorEvent): void {
    if (ev.event === 'state') {
      this.setState({ status: ev.data });
    } else if (ev.event === 'progress') {
      const progress = [...this.state.progress, ev.data].slice(-MAX_PROGRESS);
      this.state = { ...this.state, progress };
      this.emit('progress', ev.data);
      this.emit('state', this.state);
    }
  }

  /** The supervisor, started if none runs (for Start, Check for updates, Upgrade…). */
  async ensure(): Promise<ControlClient> {
    const c = await this.attach(() => (this.opts.ensure ?? ensureSupervisor)(this.paths, this.env));
    if (!c) throw new Error('The supervisor could not be reached');
    return c;
  }

  /** The connected supervisor, or null (no start). */
  current(): ControlClient | null {
    return this.connected ? this.client : null;
  }

  /** A plain request to the supervisor, started if needed. */
  async request<M extends Method>(method: M, params: ParamsOf<M>, opts: { start?: boolean } = {}): Promise<ResultOf<M>> {
    const c = opts.start === false ? this.current() : await this.ensure();
    if (!c) throw Object.assign(new Error('The supervisor is not running'), { code: 'ENOTRUNNING' });
    return c.request(method, params);
  }

  /**
   * An operation the user asked for: progress is collected from the start, the outcome
   * (or the error) is kept as lastOutcome and emitted, and a failure is returned as data.
   */
  async operation(kind: string, fn: () => Promise<OperationOutcome>): Promise<Result<OperationOutcome>> {
    this.setState({ busy: kind, progress: [] });
    let view: OutcomeView;
    let result: Result<OperationOutcome>;
    try {
      const outcome = await fn();
      view = { operation: kind, ok: outcome.ok, message: outcome.message, at: new Date().toISOString(), outcome };
      result = { ok: true, value: outcome };
    } catch (e) {
      const error = errorBody(e);
      this.log(`${kind} failed: ${error.code} ${error.message}`);
      view = { operation: kind, ok: false, message: error.message, at: new Date().toISOString(), error };
      result = { ok: false, error };
    }
    this.setState({ busy: null, lastOutcome: view });
    this.emit('outcome', view);
    return result;
  }

  /** Stop: drains, then the supervisor exits by design; with none running there is nothing to stop. */
  stop(force = false): Promise<Result<OperationOutcome>> {
    const c = this.current();
    if (!c) return this.operation('stop', async () => ({ operation: 'stop', ok: true, message: 'Anima is not running' }));
    return this.operation('stop', () => c.request('stop', force ? { force } : {}));
  }
}
