// Bundles our own TypeScript into dist/ with esbuild. Dependencies stay external
// (node_modules ships beside dist/ in dev and in the packaged app), so pacote,
// Arborist and friends load exactly as their authors test them.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');

// Outputs are written one by one, each atomically (tmp + rename), never by emptying dist/
// first: a test run or a supervisor may be loading dist/*.cjs while we rebuild.
async function emit(options) {
  const result = await build({ ...options, write: false });
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

const nodeEntries = {
  cli: 'main/cli/index.ts',
  supervisor: 'main/supervisor/index.ts',
  'app/main': 'main/app/electron/main.ts',
};
const present = Object.fromEntries(Object.entries(nodeEntries).filter(([, src]) => existsSync(join(root, src))));

const common = { absWorkingDir: root, bundle: true, sourcemap: 'linked', logLevel: 'warning', target: 'node20' };

// zod and semver are bundled in: loaded from node_modules they cost ~100 ms of every
// `animactl` start (hundreds of small files to resolve); bundled, a few ms. The rest stays
// external so pacote and Arborist load exactly as their authors ship them.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const BUNDLED = new Set(['zod', 'semver']);
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]);

await emit({
  ...common,
  entryPoints: present,
  outdir: out,
  outExtension: { '.js': '.cjs' },
  platform: 'node',
  format: 'cjs',
  external,
});

if (existsSync(join(root, 'preload/index.ts'))) {
  // A sandboxed preload can require only `electron`: bundle everything else in.
  await emit({ ...common, entryPoints: { preload: 'preload/index.ts' }, outdir: out, outExtension: { '.js': '.cjs' }, platform: 'node', format: 'cjs', external: ['electron'] });
}

if (existsSync(join(root, 'renderer/index.ts'))) {
  await emit({ ...common, entryPoints: { app: 'renderer/index.ts' }, outdir: join(out, 'renderer'), platform: 'browser', format: 'iife', target: 'chrome120', minify: true });
  mkdirSync(join(out, 'renderer'), { recursive: true });
  for (const f of ['index.html', 'styles.css']) {
    if (!existsSync(join(root, 'renderer', f))) continue;
    const tmp = join(out, 'renderer', `${f}.${process.pid}.tmp`);
    copyFileSync(join(root, 'renderer', f), tmp);
    renameSync(tmp, join(out, 'renderer', f));
  }
}
