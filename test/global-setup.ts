import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Tests run the CLI and the supervisor as shipped: bundled by the same build as `npm start`. */
export default function setup(): () => void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  // One code cache (main/core/code-cache.ts) for the whole run, as one user's machine has, and
  // not the user's own: every process the tests start inherits it from here.
  const owned = !process.env.ANIMA_CODE_CACHE;
  if (owned) process.env.ANIMA_CODE_CACHE = mkdtempSync(join(tmpdir(), 'anima-code-cache-'));
  const dir = process.env.ANIMA_CODE_CACHE!;
  return () => {
    if (owned) rmSync(dir, { recursive: true, force: true });
  };
}
