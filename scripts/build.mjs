// Bundles our own TypeScript into dist/ with esbuild. Dependencies stay external
// (node_modules ships beside dist/ in dev and in the packaged app), so pacote,
// Arborist and friends load exactly as their authors test them.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
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
    writeFileSync(tmp, /\.c?js$/.test(file.path) ? asciiOnly(file.text) : file.contents);
    renameSync(tmp, file.path);
  }
  return result;
}

// V8 keeps a script's source for as long as the process lives, one byte a character while
// every character is Latin-1 and two otherwise. esbuild escapes non-ASCII in strings, regular
// expressions and names, but keeps comments as written: one '…' in a comment of ours made the
// long-lived supervisor hold its whole bundle twice over. In a comment an escape reads the
// same, and anywhere else in JavaScript it means the same character.
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/gu, (c) => (c.length === 1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\u{${c.codePointAt(0).toString(16)}}`));
}

// The CLI is two bundles: dist/cli.cjs, a small front that answers --help, --version and a
// status a running supervisor gives (main/cli/entry.ts), and dist/cli-commands.cjs with
// every command (main/cli/index.ts), required by the front for the rest. One bundle cost
// every `animactl` start the compiling and loading of ~900 KB (zod, semver, the installer).
const nodeEntries = {
  'cli-commands': 'main/cli/index.ts',
  supervisor: 'main/supervisor/index.ts',
  // Arborist's child process (main/core/installer.ts starts it): a file of its own, loaded only by that child.
  'reify-child': 'main/core/reify-child.ts',
  'registry-worker': 'main/supervisor/registry-worker-main.ts',
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

// No file read at run time for `animactl --version`.
const define = { ANIMA_DESKTOP_VERSION: JSON.stringify(pkg.version) };

await emit({
  ...common,
  entryPoints: present,
  outdir: out,
  outExtension: { '.js': '.cjs' },
  platform: 'node',
  format: 'cjs',
  external,
  define,
});

// npm's engine (main/core/npm-engine.ts): pacote, Arborist and cacache with everything they
// require, as one file. Loading ~500 files from node_modules cost each install ~450 ms; one
// bundle, ~160. Their code is unchanged; only what depends on where a file sits is kept
// true: a bundled module that asks for __dirname/__filename gets its own file's location in
// node_modules (node_modules ships beside dist/, in dev and in the packaged app), so that
// @npmcli/run-script still finds its node-gyp shim; require.resolve stays a run-time lookup.
const nodeModulesPaths = {
  name: 'node-modules-paths',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const rel = (p) => JSON.stringify(relative(out, p).split(sep).join('/'));
      const prelude = `var __dirname = require('node:path').join(__animaBundleDir, ${rel(dirname(args.path))}), __filename = require('node:path').join(__animaBundleDir, ${rel(args.path)});\n`;
      return { contents: prelude + source, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};
// What pacote requires at load but uses only for specs we rarely meet (git, folders, local
// tarballs) or options we don't set (sigstore's attestation checks) is required on first use
// instead: loading it cost every command that talks to a registry ~25 ms. A proxy stands in for
// the module until then: `new`, calls, property reads and instanceof reach the real one.
// The lines are matched exactly: a pacote that changed them fails the build here, not later.
const LAZY = {
  'pacote/lib/fetcher.js': ["const GitFetcher = require('./git.js')", "const FileFetcher = require('./file.js')", "const DirFetcher = require('./dir.js')"],
  'pacote/lib/index.js': ["const GitFetcher = require('./git.js')", "const FileFetcher = require('./file.js')", "const DirFetcher = require('./dir.js')"],
  'pacote/lib/registry.js': ["const sigstore = require('sigstore')"],
};
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pacote[\\/]lib[\\/](fetcher|index|registry)\.js$/ }, async (args) => {
      const key = Object.keys(LAZY).find((k) => args.path.split(sep).join('/').endsWith(`node_modules/${k}`));
      if (!key) return undefined;
      let source = readFileSync(args.path, 'utf8');
      for (const line of LAZY[key]) {
        if (!source.includes(line)) throw new Error(`build: ${key} no longer has "${line}": update LAZY in scripts/build.mjs`);
        const [, name, mod] = /^const (\w+) = require\(('[^']+')\)$/.exec(line);
        source = source.replace(line, `const ${name} = __animaLazy(() => require(${mod}))`);
      }
      return { contents: source, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};
const lazyBanner = [
  'const __animaLazy = (load) => {',
  '  let m;',
  '  const real = () => (m ??= load());',
  '  return new Proxy(function () {}, {',
  '    construct: (_, args) => Reflect.construct(real(), args),',
  '    apply: (_, self, args) => Reflect.apply(real(), self, args),',
  '    get: (_, k) => real()[k],',
  '    has: (_, k) => k in real(),',
  '    getPrototypeOf: () => Object.getPrototypeOf(real()),',
  '  });',
  '};',
].join('\n');
if (existsSync(join(root, 'main/core/npm-engine.ts'))) {
  await emit({
    ...common,
    sourcemap: false,
    // Arborist with pacote for the installer's child; pacote and cacache alone for what only fetches; npm's config reader.
    entryPoints: { 'npm-engine': 'main/core/npm-engine.ts', 'npm-fetch': 'main/core/npm-fetch.ts', 'npm-config': 'main/core/npm-config-lib.ts' },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    banner: { js: `const __animaBundleDir = __dirname;\n${lazyBanner}` },
    plugins: [lazyRequires, nodeModulesPaths],
    // require.resolve('node-gyp/bin/node-gyp.js') is meant to run where the file is: it does.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
}

if (present['cli-commands']) {
  // The front lists and explains the commands without loading them: their descriptions, taken here from the commands themselves.
  const { COMMANDS } = createRequire(import.meta.url)(join(out, 'cli-commands.cjs'));
  const descriptions = COMMANDS.map(({ name, summary, usage, options, positionals }) => ({ name, summary, usage, options, positionals }));
  const front = await emit({
    ...common,
    entryPoints: { cli: 'main/cli/entry.ts' },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    external: [...external, './cli-commands.cjs'],
    define: { ...define, ANIMA_CLI_COMMANDS: JSON.stringify(descriptions) },
    metafile: true,
  });
  // test/cli/front.test.ts fails on this too; here it is said at once, to whoever made the import.
  const heavy = Object.keys(front.metafile.inputs).filter((f) => /node_modules\/(zod|semver)\/|main\/core\/(config|installer|registry|context)\.ts|main\/shared\/settings\.ts/.test(f));
  if (heavy.length) console.warn(`build: dist/cli.cjs, the CLI's fast path, now bundles ${heavy.slice(0, 5).join(', ')}${heavy.length > 5 ? ', …' : ''}: every animactl start pays for them. Keep main/cli/entry.ts's imports light.`);
}

// A sandboxed preload can require only `electron`: bundle everything else in. One per page:
// the status window's (dist/preload.cjs) and the dashboard bar's (dist/preload-bar.cjs).
const preloads = Object.fromEntries(Object.entries({ preload: 'preload/index.ts', 'preload-bar': 'preload/bar.ts' }).filter(([, src]) => existsSync(join(root, src))));
if (Object.keys(preloads).length) {
  await emit({ ...common, entryPoints: preloads, outdir: out, outExtension: { '.js': '.cjs' }, platform: 'node', format: 'cjs', external: ['electron'] });
}

// The pages, served to the windows as anima-app://app/… from dist/renderer (main/app/app-protocol.ts):
// the status window at its root, the dashboard's update bar in bar/.
const pages = [
  { dir: 'renderer', entry: { app: 'renderer/index.ts' } },
  { dir: 'renderer/bar', entry: { bar: 'renderer/bar/index.ts' } },
];
for (const { dir, entry } of pages) {
  if (!existsSync(join(root, Object.values(entry)[0]))) continue;
  const dest = join(out, dir);
  await emit({ ...common, entryPoints: entry, outdir: dest, platform: 'browser', format: 'iife', target: 'chrome120', minify: true });
  mkdirSync(dest, { recursive: true });
  for (const f of ['index.html', 'styles.css']) {
    if (!existsSync(join(root, dir, f))) continue;
    const tmp = join(dest, `${f}.${process.pid}.tmp`);
    copyFileSync(join(root, dir, f), tmp);
    renameSync(tmp, join(dest, f));
  }
}
