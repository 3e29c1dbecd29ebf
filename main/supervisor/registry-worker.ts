import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnimaError } from '../core/errors';
import type { InstallProgress } from '../core/installer';
import { nodeCommand } from '../core/supervisor-process';
import { ndjsonReader } from '../core/ndjson';
import { cancelled } from './readiness';
import type { RegistryTask, TaskContext, TaskMessage, TaskResults } from './registry-task';

/** Beside the supervisor's own bundle (dist/, or the packaged app's copy of it). */
function workerEntry(): string {
  const entry = join(__dirname, 'registry-worker.cjs');
  if (!existsSync(entry)) throw new AnimaError('EWORKER_MISSING', `The registry worker is missing (${entry})`, { hint: 'Run `npm run build`.' });
  return entry;
}

interface Pending {
  task: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (p: InstallProgress) => void;
  onNote?: (message: string) => void;
}

export interface TaskOptions {
  onProgress?: (p: InstallProgress) => void;
  onNote?: (message: string) => void;
  /** The operation's cancel: it ends the worker, and with it the task. */
  signal?: AbortSignal;
}

/**
 * The registry worker as the supervisor sees it: started for the first task, shared by
 * the tasks that follow (an upgrade resolves, then installs: one start-up, one load of
 * pacote), and let go a few seconds after the last, so that nothing of it stays.
 */
export class RegistryWorker {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private idle: NodeJS.Timeout | undefined;
  private cancelling = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly keepAliveMs = 3000,
  ) {}

  run<T extends RegistryTask>(context: TaskContext, task: T, o: TaskOptions = {}): Promise<TaskResults[T['task']]> {
    if (o.signal?.aborted) return Promise.reject(cancelled(`the registry task "${task.task}" was to start`));
    clearTimeout(this.idle);
    const child = this.ensure();
    const id = this.nextId++;
    const onAbort = () => this.kill(true);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<TaskResults[T['task']]>((resolve, reject) => {
      this.pending.set(id, { task: task.task, resolve: resolve as (v: unknown) => void, reject, onProgress: o.onProgress, onNote: o.onNote });
      child.stdin!.write(JSON.stringify({ id, context, task }) + '\n');
    }).finally(() => {
      o.signal?.removeEventListener('abort', onAbort);
      if (this.pending.size === 0) {
        this.idle = setTimeout(() => this.retire(), this.keepAliveMs);
        this.idle.unref();
      }
    });
  }

  dispose(): void {
    clearTimeout(this.idle);
    this.kill(false);
  }

  /**
   * Lets the idle worker go: it exits once its stdin ends. It is forgotten at once, so that a
   * task coming while it is on its way out starts a new worker rather than being written to
   * an ended stdin (the worker then exited with 0 and the task failed).
   */
  private retire(): void {
    const child = this.child;
    this.child = null;
    child?.stdin?.end();
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const node = nodeCommand();
    const child = spawn(node.command, [workerEntry()], {
      env: { ...this.env, ...node.env },
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    this.cancelling = false;
    let stderr = '';
    child.stdio[3]!.on(
      'data',
      ndjsonReader<TaskMessage>((msg) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        if ('progress' in msg) p.onProgress?.(msg.progress);
        else if ('note' in msg) p.onNote?.(msg.note);
        else {
          this.pending.delete(msg.id);
          if ('result' in msg) p.resolve(msg.result);
          else p.reject(new AnimaError(msg.error.code, msg.error.message, { hint: msg.error.hint, details: msg.error.details, exitCode: msg.error.exitCode === 2 ? 2 : 1 }));
        }
      }),
    );
    // Read (nothing ever comes) so that its exit ends it and 'close' can fire.
    child.stdio[4]!.on('data', () => {}).on('error', () => {});
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    child.stdin!.on('error', () => {});
    const gone = (why: string) => {
      // A retired worker had nothing pending: what is pending now is its successor's.
      if (this.child !== child) return;
      this.child = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(this.cancelling ? cancelled(`the registry task "${p.task}" ran`) : new AnimaError('EWORKER', `The registry worker ${why} during "${p.task}": ${stderr.trim() || 'no message'}`));
      }
    };
    child.once('error', (e) => gone(`could not start (${e.message})`));
    child.once('close', (code, signal) => gone(`exited with ${signal ?? `code ${code}`}`));
    return child;
  }

  private kill(cancel: boolean): void {
    if (!this.child) return;
    this.cancelling = cancel;
    this.child.kill('SIGKILL');
  }
}
