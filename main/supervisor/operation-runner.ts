import { readFileSync, rmSync } from 'node:fs';
import { AnimaError } from '../core/errors';
import { acquireLock } from '../core/lock';
import { writeJsonAtomic } from '../core/atomic';
import type { OperationStatus } from '../shared/status';

/** A durable entry: the step an operation is about to take and what recovering from it needs. */
export type JournalEntry = { step: string } & Record<string, unknown>;

/**
 * Runs one operation at a time, in this supervisor and across processes (through the
 * home's lock), and keeps its journal, run/operation.json: written when the operation
 * begins and at each `checkpoint`, removed when it ends. A supervisor killed in between
 * leaves the journal for the next one (`readInterrupted`).
 *
 * The public step (`current.step`, what `status` shows) follows progress too; the
 * journal changes only at checkpoints, so progress can never rewrite what recovery reads.
 */
/** Operations a user may cancel: the ones that wait on a runtime and can roll back. A stop is not (`stop --force` is its quick form). */
const CANCELLABLE = new Set(['start', 'restart', 'upgrade']);

export class OperationRunner {
  current: OperationStatus | null = null;
  private header: Record<string, unknown> = {};
  private abort: AbortController | null = null;
  private background: { abort: AbortController; done: Promise<void> } | null = null;

  constructor(
    private readonly files: { lock: string; journal: string },
    private readonly onChange: () => void,
    /** A test hook (ANIMA_TEST_HOLD_STEP): park right after recording this step, so a test can kill us exactly there. */
    private readonly holdAt?: string,
  ) {}

  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * A second request while one runs is refused, not queued: the user sees what is in
   * progress and decides (spec/cli.md). `initial` is the journal's first entry (a
   * recovery starts from the record it settles).
   */
  run<T>(kind: string, fn: () => Promise<T>, initial?: JournalEntry): Promise<T> {
    const busy = this.refusal();
    if (busy) return Promise.reject(busy);
    const background = this.background;
    if (!background) {
      let lock;
      try {
        lock = acquireLock(this.files.lock, kind);
      } catch (e) {
        return Promise.reject(e);
      }
      return this.runLocked(kind, lock, fn, initial);
    }
    // Background work (preparing an offered version) yields: it is cancelled, and this
    // operation takes the lock once it has let go. Claimed at once all the same, so that a
    // request arriving meanwhile is refused as usual.
    const startedAt = new Date().toISOString();
    this.current = { kind, startedAt, step: null, pid: process.pid };
    background.abort.abort();
    return background.done.then(() => {
      this.current = null;
      let lock;
      try {
        lock = acquireLock(this.files.lock, kind);
      } catch (e) {
        this.onChange();
        throw e;
      }
      return this.runLocked(kind, lock, fn, initial);
    });
  }

  private runLocked<T>(kind: string, lock: ReturnType<typeof acquireLock>, fn: () => Promise<T>, initial?: JournalEntry): Promise<T> {
    // Set synchronously, before anything awaits: a request arriving next finds it and is refused.
    this.current = { kind, startedAt: lock.holder.startedAt, step: null, pid: process.pid };
    this.abort = new AbortController();
    this.header = { kind, startedAt: lock.holder.startedAt, pid: process.pid };
    this.write(initial ?? { step: null });
    if (initial) this.current.step = initial.step;
    this.onChange();
    return Promise.resolve()
      .then(fn)
      .finally(() => {
        this.current = null;
        this.abort = null;
        rmSync(this.files.journal, { force: true });
        lock.release();
        this.onChange();
      });
  }

  /**
   * Work the supervisor does by itself that a user must never wait for: it holds the home's
   * lock like an operation (a CLI install elsewhere is refused meanwhile), but it is not an
   * operation (status shows none, nothing is refused for it) and any operation cancels it
   * through `signal` and goes ahead once it has ended. No journal: what it does must be
   * safe to cut at any point by itself (an install is: it stages, then renames). Returns
   * null when it can't start now (an operation runs, or the lock is held elsewhere).
   */
  runInBackground<T>(kind: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> | null {
    if (this.current || this.background) return null;
    let lock;
    try {
      lock = acquireLock(this.files.lock, kind);
    } catch {
      return null;
    }
    const abort = new AbortController();
    const work = Promise.resolve().then(() => fn(abort.signal));
    const done = work.then(
      () => {},
      () => {},
    ).finally(() => {
      lock.release();
      if (this.background?.abort === abort) this.background = null;
    });
    this.background = { abort, done };
    return work;
  }

  /** Why a new operation can't start now (another one runs), or null. */
  refusal(): AnimaError | null {
    const o = this.current;
    if (!o) return null;
    return new AnimaError('EBUSY', `Another operation "${o.kind}" in progress since ${o.startedAt} by pid ${o.pid ?? process.pid} on this home`, {
      hint: CANCELLABLE.has(o.kind) ? 'Wait for it to finish (`animactl status` shows its progress), or cancel it with `animactl cancel`.' : 'Wait for it to finish; `animactl status` shows its progress.',
      details: { operation: o.kind, startedAt: o.startedAt, pid: o.pid },
    });
  }

  /** Aborted when the user cancels the running operation; the steps that wait on a runtime watch it. */
  get signal(): AbortSignal | undefined {
    return this.abort?.signal;
  }

  /** Asks the running operation to stop where it waits; it then winds down (an upgrade rolls back). */
  cancel(): { kind: string; startedAt: string } | null {
    const o = this.current;
    if (!o || !this.abort || !CANCELLABLE.has(o.kind) || this.abort.signal.aborted) return null;
    this.abort.abort();
    return { kind: o.kind, startedAt: o.startedAt };
  }

  /** What the user sees as the current step; not durable. */
  showStep(step: string): void {
    if (this.current) this.current.step = step;
  }

  /** Records the step durably before it is taken. */
  async checkpoint(entry: JournalEntry): Promise<void> {
    if (!this.current) return;
    this.current.step = entry.step;
    this.write(entry);
    this.onChange();
    if (this.holdAt === entry.step) await new Promise(() => {});
  }

  /** The journal a killed predecessor left, if any (read once, at start-up). */
  readInterrupted(): Record<string, unknown> | null {
    try {
      const rec: unknown = JSON.parse(readFileSync(this.files.journal, 'utf8'));
      return rec && typeof rec === 'object' ? (rec as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  discardInterrupted(): void {
    rmSync(this.files.journal, { force: true });
  }

  private write(entry: Record<string, unknown>): void {
    writeJsonAtomic(this.files.journal, { ...entry, ...this.header });
  }
}
