// Drives and audits the reference runtime's queue from outside, through its files
// only (the format is described in test/fixtures/runtime/lib/queue.js). Deliberately
// independent of that code, so that an audit does not share its bugs.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FOLDERS = ['pending', 'inflight', 'done'] as const;
type Folder = (typeof FOLDERS)[number];

function folderPath(home: string, folder: Folder): string {
  return folder === 'done' ? join(home, 'reference', 'done') : join(home, 'reference', 'queue', folder);
}

export function enqueue(home: string, item: { id: string; steps: number; stepMs?: number }): void {
  const tmpDir = join(home, 'reference', 'tmp');
  const pending = folderPath(home, 'pending');
  mkdirSync(tmpDir, { recursive: true });
  mkdirSync(pending, { recursive: true });
  const tmp = join(tmpDir, `test-${process.pid}-${item.id}.json`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify({ id: item.id, steps: item.steps, stepMs: item.stepMs ?? 200, checkpoint: 0 }) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(pending, `${item.id}.json`));
}

export interface QueueAudit {
  pending: string[];
  inflight: string[];
  done: string[];
  steps: Array<{ item: string; step: number; pid: number; version: string }>;
}

function ids(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * A snapshot of the queue. The folders are read one after the other, so audit a home
 * whose agent is stopped (or at least not draining) to get a consistent picture.
 */
export function audit(home: string): QueueAudit {
  const [pending, inflight, done] = FOLDERS.map((f) => ids(folderPath(home, f)));
  const stepsFile = join(home, 'reference', 'steps.jsonl');
  const lines = existsSync(stepsFile) ? readFileSync(stepsFile, 'utf8').split('\n') : [];
  // Skips the empty piece after the final newline, and a torn last line that only a
  // SIGKILL in the middle of an append could leave.
  const steps = lines.flatMap((line) => {
    try {
      const { item, step, pid, version } = JSON.parse(line);
      return [{ item, step, pid, version }];
    } catch {
      return [];
    }
  });
  return { pending, inflight, done, steps };
}

/**
 * What is wrong with a queue, one sentence per problem, each starting with its kind:
 * `lost:`, `duplicated:`, `repeated:` (a step recorded twice: allowed only after a
 * SIGKILL), `out of order:`, `out of range:`, `incomplete:`. Empty means healthy.
 */
export function problems(a: QueueAudit, enqueued: Array<{ id: string; steps: number }>): string[] {
  const found: string[] = [];
  const total = new Map(enqueued.map((e) => [e.id, e.steps]));

  for (const { id } of enqueued) {
    const where = FOLDERS.filter((f) => a[f].includes(id));
    if (where.length === 0) found.push(`lost: ${id} is in none of ${FOLDERS.join(', ')}`);
    if (where.length > 1) found.push(`duplicated: ${id} is in both ${where.join(' and ')}`);
  }

  const recorded = new Map<string, Set<number>>();
  for (const { item, step } of a.steps) {
    const seen = recorded.get(item) ?? new Set<number>();
    recorded.set(item, seen);
    const steps = total.get(item);
    if (seen.has(step)) found.push(`repeated: ${item} step ${step} was recorded more than once`);
    else if (step > 1 && !seen.has(step - 1)) found.push(`out of order: ${item} step ${step} was recorded before step ${step - 1}`);
    if (steps !== undefined && step > steps) found.push(`out of range: ${item} step ${step} was recorded but it has ${steps} steps`);
    seen.add(step);
  }

  for (const { id, steps } of enqueued) {
    if (!a.done.includes(id)) continue;
    const seen = recorded.get(id);
    const missing = Array.from({ length: steps }, (_, i) => i + 1).filter((n) => !seen?.has(n));
    if (missing.length) found.push(`incomplete: ${id} is done but step(s) ${missing.join(', ')} were never recorded`);
  }
  return found;
}
