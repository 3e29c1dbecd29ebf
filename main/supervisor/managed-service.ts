import { isAnimaError, messageOf } from '../core/errors';
import { tailLines } from '../core/log-tail';
import type { ServiceName } from '../core/runtime-contract';
import { decideRestart, type RestartPolicy } from './restart-policy';
import type { ReadinessProbe } from './readiness';
import { Service, type ExitInfo, type LaunchSpec } from './service';

export interface ManagedServiceDeps {
  policy: RestartPolicy;
  logFile: string;
  /** Tells the user about a crash (a progress event that is nobody's operation step). */
  reportCrash(message: string, data: Record<string, unknown>): void;
  /** Whether an operation owns the services right now: a crash restart then waits its turn. */
  busy(): boolean;
  /** Starts this service again at `version` as an operation of its own (under the home's lock); EBUSY when another manager holds it. */
  relaunch(svc: ManagedService, version: string): Promise<void>;
}

/**
 * One supervised service, after Rancher Desktop's BackgroundProcess: its process (with
 * its state machine), what the user wants of it, its readiness probe on start, and its
 * crash-restart loop (pm2-style backoff). A user's Stop sets `desired` to stopped, and
 * no crash policy ever undoes that.
 */
export class ManagedService {
  readonly proc: Service;
  desired: 'running' | 'stopped' = 'stopped';
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: ServiceName,
    private readonly deps: ManagedServiceDeps,
  ) {
    this.proc = new Service(name);
    this.proc.on('exit', (info: ExitInfo) => this.onExit(info));
  }

  /** What the user asked for. Asking for running forgets past crashes; asking for stopped cancels a pending restart. */
  want(desired: 'running' | 'stopped'): void {
    this.desired = desired;
    if (desired === 'running') this.failures = 0;
    else this.cancelRestart();
  }

  /** Launches and waits for readiness; on failure the service is left crashed with the reason, and the error thrown. */
  async start(spec: LaunchSpec, probe: ReadinessProbe, signal?: AbortSignal): Promise<void> {
    const svc = this.proc;
    svc.transition('starting');
    try {
      svc.launch(spec);
    } catch (e) {
      // Could not even launch (its folder gone, a broken package.json): crashed, with why.
      svc.transition('crashed', `${this.name} ${spec.version} could not be launched: ${messageOf(e)}`);
      throw e;
    }
    try {
      await probe(svc, signal);
    } catch (e) {
      if (svc.state === 'starting') svc.transition('crashed', messageOf(e));
      throw e;
    }
    svc.transition('running');
  }

  /** SIGTERM, then SIGKILL after the grace period; ends `stopped` (or `crashed` if it outlived even SIGKILL). */
  async stop(graceMs: number, onStopping?: () => void): Promise<void> {
    if (this.proc.alive) {
      this.proc.transition('stopping');
      onStopping?.();
      await this.proc.terminate(graceMs);
    }
    this.settle();
  }

  /** A service whose process is gone ends up `stopped` through legal transitions only. */
  settle(): void {
    const svc = this.proc;
    if (svc.state === 'starting' || svc.state === 'running') svc.transition('stopping');
    // A process that outlived even SIGKILL is not stopped: say so, and let the next stop try again.
    if (svc.alive) {
      if (svc.state !== 'crashed') svc.transition('crashed', `${this.name} (pid ${svc.pid}) did not exit when killed`);
      return;
    }
    if (svc.state !== 'stopped') svc.transition('stopped');
  }

  dispose(): void {
    this.cancelRestart();
    this.proc.dispose();
  }

  private cancelRestart(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onExit(info: ExitInfo): void {
    const svc = this.proc;
    if (info.requested || this.desired === 'stopped') return;
    // An operation that is starting this service reports the failure itself.
    if (svc.state === 'starting') return;
    const uptime = svc.startedAt ? Date.now() - Date.parse(svc.startedAt) : 0;
    const decision = decideRestart(this.deps.policy, this.failures, uptime);
    this.failures = decision.failures;
    const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code ?? '?'}`;
    if (!decision.restart) {
      const tail = tailLines(this.deps.logFile, 10).join('\n');
      const error = `${this.name} ${how}; it failed ${decision.failures} times in a row, so it stays stopped until you start it. Last lines of its log:\n${tail}`;
      if (svc.state !== 'crashed') svc.transition('crashed', error);
      this.deps.reportCrash(error, { service: this.name, failures: decision.failures });
      return;
    }
    const error = `${this.name} ${how}; restarting in ${decision.delayMs} ms (failure ${decision.failures} of ${this.deps.policy.maxQuickFailures})`;
    if (svc.state !== 'crashed') svc.transition('crashed', error);
    this.deps.reportCrash(error, { service: this.name, failures: decision.failures, delayMs: decision.delayMs });
    const version = svc.version;
    const attempt = () => {
      this.timer = undefined;
      if (this.desired !== 'running' || !version) return;
      // An operation owns the services right now: try again once it's done, without counting a failure.
      if (this.deps.busy()) {
        this.timer = setTimeout(attempt, decision.delayMs);
        return;
      }
      this.deps.relaunch(this, version).catch((e) => {
        // Another manager holds the home's lock (a CLI install): try again later, not a failure of the service.
        if (isAnimaError(e) && e.code === 'EBUSY') {
          this.timer = setTimeout(attempt, decision.delayMs);
          return;
        }
        this.deps.reportCrash(messageOf(e), { service: this.name });
        // The restart failed: the policy goes on from here (backoff, or give up).
        if (!svc.alive) this.onExit({ code: null, signal: null, requested: false });
      });
    };
    this.timer = setTimeout(attempt, decision.delayMs);
  }
}
