import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Tests run the CLI and the supervisor as shipped: bundled by the same build as `npm start`. */
export default function setup(): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
