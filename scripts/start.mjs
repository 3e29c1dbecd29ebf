// `npm start`: build, then launch Electron on this checkout. Where the Electron binary
// is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed),
// say so and what still works, instead of Electron's own stack trace.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
let electron;
try {
  electron = require('electron');
} catch (e) {
  console.error(`Anima Desktop can't start: the Electron binary is missing (${String(e.message).split('\n')[0]}).`);
  console.error('On a machine that reaches GitHub: rm -rf node_modules/electron && npm ci (without ELECTRON_SKIP_BINARY_DOWNLOAD).');
  console.error('Everything else works without it: `npx animactl --help`, `npm run demo -- --headless`, `npm test`.');
  process.exit(1);
}
const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 0));
