// Waiting for a condition in tests: polled, with a clear message naming what was awaited.
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls fn until it returns something truthy; the error names `what` and the last failure. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 50, what = 'a condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure = '';
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      failure = `; last attempt threw: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${failure}`);
    await sleep(intervalMs);
  }
}
