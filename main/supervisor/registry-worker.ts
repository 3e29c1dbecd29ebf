import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnimaError } from '../core/errors';
import type { InstallProgress } from '../core/installer';
import { nodeCommand } from '../core/supervisor-process';
import { cancelled } from './readiness';
import type { RegistryTask, TaskContext, TaskMessage, TaskResults } from './registry-task';

/** Beside the supervisor's own bundle (dist/, or the packaged app's copy of it). */
function workerEntry(): string {
  const entry = join(__dirname, 'registry-worker.cjs');
  if (!existsSync(entry)) throw new AnimaError('EWORKER_MISSING', `The registry worker is missing (${entry})`, { hint: 'Run `npm run build`.' });
  return entry;
}

/**
 * Runs one registry task in a child process and relays its progress. A cancel (the
 * operation's signal) ends the child: nothing it did is activated before it reports.
 */
export function runRegistryTask<T extends RegistryTask>(
  context: TaskContext,
  task: T,
  o: { env: NodeJS.ProcessEnv; onProgress?: (p: InstallProgress) => void; onNote?: (message: string) => void; signal?: AbortSignal },
): Promise<TaskResults[T['task']]> {
  const node = nodeCommand();
  const child = spawn(node.command, [workerEntry()], {
    env: { ...o.env, ...node.env },
    stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let buffer = '';
  let stderr = '';
  let outcome: { result: unknown } | { error: NonNullable<Extract<TaskMessage, { error: unknown }>['error']> } | null = null;
  child.stdio[3]!.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let msg: TaskMessage;
      try {
        msg = JSON.parse(line) as TaskMessage;
      } catch {
        continue;
      }
      if ('progress' in msg) o.onProgress?.(msg.progress);
      else if ('note' in msg) o.onNote?.(msg.note);
      else outcome = msg;
    }
  });
  child.stdio[4]!.on('data', () => {}).on('error', () => {});
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
  child.stdin!.on('error', () => {});
  child.stdin!.end(JSON.stringify({ context, task }));
  const onAbort = () => child.kill('SIGKILL');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(cancelled(`the registry task "${task.task}" ran`));
      if (outcome && 'result' in outcome && code === 0) return resolve(outcome.result as TaskResults[T['task']]);
      if (outcome && 'error' in outcome) {
        const e = outcome.error;
        return reject(new AnimaError(e.code, e.message, { hint: e.hint, details: e.details, exitCode: e.exitCode === 2 ? 2 : 1 }));
      }
      reject(new AnimaError('EWORKER', `The registry worker exited with ${signal ?? `code ${code}`} during "${task.task}": ${stderr.trim() || 'no message'}`));
    });
  });
}
