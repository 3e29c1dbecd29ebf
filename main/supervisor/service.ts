import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawn } from 'node:child_process';
import { isSameProcess, type ProcessRef } from '../core/process-identity';
import { removePidFile, writePidFile, type PidRecord } from '../core/pidfile';
import type { ServiceState } from '../shared/status';

/** Service lifecycle as data: the transitions that may happen, and nothing else. */
export const TRANSITIONS: Record<ServiceState, readonly ServiceState[]> = {
  stopped: ['starting'],
  starting: ['running', 'crashed', 'stopping', 'draining'],
  running: ['stopping', 'draining', 'crashed'],
  draining: ['stopped', 'crashed'],
  stopping: ['stopped', 'crashed'],
  crashed: ['starting', 'stopped'],
};

export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  pidFile: string;
  version: string;
  runtimeDir: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** The supervisor asked for it (stop, drain); anything else is a crash. */
  requested: boolean;
}

/**
 * One service process: spawned detached (its own process group, output appended to
 * its log by file descriptor) so it survives the supervisor, or adopted from its pid
 * file after a supervisor restart. Emits 'state' and 'exit'.
 */
export class Service extends EventEmitter {
  state: ServiceState = 'stopped';
  pid: number | null = null;
  startedAt: string | null = null;
  version: string | null = null;
  error: string | undefined;
  private ref: ProcessRef | null = null;
  private stopRequested = false;
  private exitWaiters: Array<(e: ExitInfo) => void> = [];
  private poll: NodeJS.Timeout | null = null;
  private pidFile: string | null = null;

  constructor(readonly name: string) {
    super();
  }

  transition(to: ServiceState, error?: string): void {
    if (to === this.state) return;
    if (!TRANSITIONS[this.state].includes(to)) throw new Error(`${this.name}: illegal transition ${this.state} → ${to}`);
    this.state = to;
    this.error = error;
    this.emit('state', to);
  }

  get alive(): boolean {
    return this.pid !== null;
  }

  launch(spec: LaunchSpec): void {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, 'a');
    this.stopRequested = false;
    this.pidFile = spec.pidFile;
    try {
      // Output goes straight to the log file by descriptor, not through us, so the
      // service keeps logging (and lives) if the supervisor dies. Plain spawn, not execa:
      // the command is always our own Node (launch-spec.ts), and execa, an ES module with a
      // dozen dependencies, kept ~4 MiB resident in the idle supervisor for this one call.
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', fd, fd],
        windowsHide: true,
      });
      // A spawn that fails has no pid (thrown below) and also emits 'error', which must not crash us;
      // we never use child.kill or IPC, the other sources of 'error'; the end of the process is 'exit'.
      child.on('error', () => {});
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not start ${spec.command}`);
      child.once('exit', (code, signal) => this.onExit(code, signal, pid));
      this.pid = pid;
      this.startedAt = new Date().toISOString();
      this.version = spec.version;
      const rec = writePidFile(spec.pidFile, { service: this.name, pid, version: spec.version, startedAt: this.startedAt, runtimeDir: spec.runtimeDir });
      this.ref = rec;
      child.unref();
    } finally {
      closeSync(fd);
    }
  }

  /** Takes over a service a previous supervisor started; without a child handle, exit is noticed by polling. */
  adopt(rec: PidRecord, pidFile: string): void {
    this.pidFile = pidFile;
    this.pid = rec.pid;
    this.ref = rec;
    this.startedAt = rec.startedAt;
    this.version = rec.version;
    this.stopRequested = false;
    this.poll = setInterval(() => {
      if (this.ref && !isSameProcess(this.ref)) this.onExit(null, null);
    }, 500);
    this.poll.unref();
  }

  private onExit(code: number | null, signal: string | null, pid: number | null = this.pid): void {
    // A late exit of a previous process must not end the one that replaced it.
    if (this.pid === null || pid !== this.pid) return;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.pidFile) removePidFile(this.pidFile, this.pid);
    this.pid = null;
    this.ref = null;
    const info: ExitInfo = { code, signal, requested: this.stopRequested };
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w(info);
    this.emit('exit', info);
  }

  /** Resolves when the process has exited (at once if there is none). */
  waitForExit(timeoutMs: number): Promise<ExitInfo | 'timeout'> {
    if (this.pid === null) return Promise.resolve({ code: null, signal: null, requested: true });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.exitWaiters = this.exitWaiters.filter((w) => w !== done);
        resolve('timeout');
      }, timeoutMs);
      const done = (e: ExitInfo) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.exitWaiters.push(done);
    });
  }

  /** Sends a signal the supervisor means (drain, stop, force): the exit that follows is not a crash. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.pid === null || !this.ref) return false;
    // Never signal a pid that is no longer our process.
    if (!isSameProcess(this.ref)) {
      this.onExit(null, null);
      return false;
    }
    this.stopRequested = true;
    try {
      process.kill(this.pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM, wait, then SIGKILL: returns true if it had to force. */
  async terminate(graceMs: number): Promise<boolean> {
    if (this.pid === null) return false;
    this.signal('SIGTERM');
    if ((await this.waitForExit(graceMs)) !== 'timeout') return false;
    this.signal('SIGKILL');
    await this.waitForExit(5000);
    return true;
  }

  dispose(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }
}
