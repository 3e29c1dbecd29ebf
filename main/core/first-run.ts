import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAnimaError } from './errors';

/**
 * A first start or install that fails must not leave a half-made home behind. Runs
 * `fn`; if it fails and the home did not exist before, removes what the manager
 * created there (its own folders and files only, never anything else that appeared).
 */
export async function withFirstRunCleanup<T>(home: string, fn: () => Promise<T>, beforeCleanup?: () => Promise<void>): Promise<T> {
  const existed = existsSync(home);
  try {
    return await fn();
  } catch (e) {
    // EBUSY: another manager is setting this home up right now; its files are not ours to remove.
    if (!existed && !(isAnimaError(e) && e.code === 'EBUSY')) {
      await beforeCleanup?.().catch(() => {});
      removeManagerFiles(home);
    }
    throw e;
  }
}

const MANAGER_OWNED = ['config.json', 'runtime', 'run', 'logs'];

function removeManagerFiles(home: string): void {
  for (const name of MANAGER_OWNED) rmSync(join(home, name), { recursive: true, force: true });
  try {
    if (readdirSync(home).length === 0) rmSync(home, { recursive: true, force: true });
  } catch {
    // Already gone.
  }
}
