// Bundles our own TypeScript into dist/ with esbuild. Dependencies stay external
// (node_modules ships beside dist/ in dev and in the packaged app), so pacote,
// Arborist and friends load exactly as their authors test them.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const watch = process.argv.includes('--watch');

rmSync(out, { recursive: true, force: true });

const nodeEntries = {
  cli: 'main/cli/index.ts',
  supervisor: 'main/supervisor/index.ts',
  'app/main': 'main/app/main.ts',
};
const present = Object.fromEntries(Object.entries(nodeEntries).filter(([, src]) => existsSync(join(root, src))));

const common = { absWorkingDir: root, bundle: true, sourcemap: 'linked', logLevel: 'warning', target: 'node20' };

await build({
  ...common,
  entryPoints: present,
  outdir: out,
  outExtension: { '.js': '.cjs' },
  platform: 'node',
  format: 'cjs',
  packages: 'external',
});

if (existsSync(join(root, 'preload/index.ts'))) {
  // A sandboxed preload can require only `electron`: bundle everything else in.
  await build({ ...common, entryPoints: { preload: 'preload/index.ts' }, outdir: out, outExtension: { '.js': '.cjs' }, platform: 'node', format: 'cjs', external: ['electron'] });
}

if (existsSync(join(root, 'renderer/index.ts'))) {
  await build({ ...common, entryPoints: { app: 'renderer/index.ts' }, outdir: join(out, 'renderer'), platform: 'browser', format: 'iife', target: 'chrome120', minify: true });
  mkdirSync(join(out, 'renderer'), { recursive: true });
  for (const f of ['index.html', 'styles.css']) if (existsSync(join(root, 'renderer', f))) cpSync(join(root, 'renderer', f), join(out, 'renderer', f));
}
if (watch) console.log('watch mode is not implemented; re-run npm run build');
