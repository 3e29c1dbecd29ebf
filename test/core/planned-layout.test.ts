// The next version laid out from the plan and the store without Arborist (planned-tree.ts,
// store-layout.ts): taken when the tree installed now, with the changed root dependencies
// in their predecessors' places, is certainly Arborist's answer; declined otherwise, and then
// Arborist installs as before. Checked against what Arborist itself builds for the same
// version in a fresh home: the same files, bins and npm record, byte for byte. Real
// registry, real CLI processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CLI, startWorld, type World } from '../helpers/world';
import { output } from '../upgrade/lib';

const PKG = '@anima-lay/runtime';
let world: World;

async function publishPackage(name: string, version: string, extra: Record<string, unknown> = {}, files: Record<string, string> = {}): Promise<void> {
  const dir = join(world.tmp, 'lay-pkgs', `${name.replace(/[@/]/g, '_')}-${version}`);
  mkdirSync(dir, { recursive: true });
  const all: Record<string, string> = { 'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`, ...files };
  for (const [f, text] of Object.entries(all)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, license: 'MIT', main: 'index.js', ...extra }, null, 2));
  await world.registry.publish(dir);
}

const S = '@anima-lay';
// The tree has a nested package (leaf@1 under shared, since the root wants leaf@2), bins (two
// with one name), peer and optional dependencies (a package only a
// peer edge reaches, one only an optional edge reaches: flagged so in npm's record), and a
// subtree only 1.0.0 uses.
const BASE = {
  // Both have a bin named lay-dup: Arborist gives it to the first in its order (depth, then path), the scoped one.
  'anima-lay-dup': '1.0.0',
  [`${S}/shared`]: '1.0.0',
  [`${S}/leaf`]: '2.0.0',
  [`${S}/kept`]: '^1.0.0',
  [`${S}/peer-host`]: '1.0.0',
  [`${S}/opt-host`]: '1.0.0',
  [`${S}/needs-new`]: '1.0.0',
};
const DEPS: Record<string, Record<string, string>> = {
  '1.0.0': { ...BASE, [`${S}/changes`]: '1.0.0', [`${S}/only-v1`]: '1.0.0' },
  // changes@2 depends on kept@^1, which the tree has at the top; only-v1 and its child go.
  '1.1.0': { ...BASE, [`${S}/changes`]: '2.0.0' },
  // needs-new@2 depends on a package the tree doesn't have: Arborist places it.
  '1.2.0': { ...BASE, [`${S}/changes`]: '2.0.0', [`${S}/needs-new`]: '2.0.0' },
  // changes@3's tarball on the registry no longer matches its integrity.
  '1.3.0': { ...BASE, [`${S}/changes`]: '3.0.0' },
  // The runtime's own code changes, nothing else.
  '1.4.0': { ...BASE, [`${S}/changes`]: '2.0.0', [`${S}/needs-new`]: '2.0.0' },
};

beforeAll(async () => {
  world = await startWorld({ standard: false });
  await publishPackage(`${S}/leaf`, '1.0.0');
  await publishPackage(`${S}/leaf`, '2.0.0');
  await publishPackage(`${S}/kept`, '1.0.0', { bin: { 'lay-dup': 'dup.js' } }, { 'dup.js': "#!/usr/bin/env node\nconsole.log('kept');\n" });
  await publishPackage('anima-lay-dup', '1.0.0', { bin: { 'lay-dup': 'dup.js' } }, { 'dup.js': "#!/usr/bin/env node\nconsole.log('unscoped');\n" });
  await publishPackage(`${S}/peer-only`, '1.0.0');
  await publishPackage(`${S}/opt-only`, '1.0.0');
  await publishPackage(`${S}/shared`, '1.0.0', { bin: { 'lay-cli': 'cli.js' }, dependencies: { [`${S}/leaf`]: '^1.0.0' } }, {
    'cli.js': `#!/usr/bin/env node\nconsole.log(require('${S}/leaf'));\n`,
  });
  await publishPackage(`${S}/peer-host`, '1.0.0', { peerDependencies: { [`${S}/kept`]: '^1.0.0', [`${S}/peer-only`]: '^1.0.0' } });
  await publishPackage(`${S}/opt-host`, '1.0.0', { optionalDependencies: { [`${S}/kept`]: '^1.0.0', [`${S}/opt-only`]: '1.0.0' } });
  await publishPackage(`${S}/changes`, '1.0.0');
  await publishPackage(`${S}/changes`, '2.0.0', { dependencies: { [`${S}/kept`]: '^1.0.0' } });
  await publishPackage(`${S}/changes`, '3.0.0');
  await world.registry.corruptTarball(`${S}/changes`, '3.0.0');
  await publishPackage(`${S}/only-v1-child`, '1.0.0');
  await publishPackage(`${S}/only-v1`, '1.0.0', { dependencies: { [`${S}/only-v1-child`]: '1.0.0' } });
  await publishPackage(`${S}/brand-new`, '1.0.0');
  await publishPackage(`${S}/needs-new`, '1.0.0');
  await publishPackage(`${S}/needs-new`, '2.0.0', { dependencies: { [`${S}/brand-new`]: '1.0.0' } });
  for (const [version, deps] of Object.entries(DEPS)) await world.publishRuntime({ name: PKG, version, moreDependencies: deps, shrinkwrap: false });
}, 120_000);
afterAll(() => world?.close());

const env = (cache: string) => ({ ANIMA_RUNTIME_PACKAGE: PKG, npm_config_cache: join(world.tmp, `cache-${cache}`) });
const versionDir = (home: string, v: string) => join(home, 'runtime', 'versions', v);
const marker = (home: string, v: string) => JSON.parse(readFileSync(join(versionDir(home, v), '.anima-install.json'), 'utf8'));

function walkFiles(dir: string, out: string[] = [], root = dir): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out, root);
    else out.push(relative(root, p));
  }
  return out.sort();
}

/**
 * Every file of a version but the install marker, with its bytes and mode; links as their targets.
 * `packagesOnly`: npm's record of the tree by its packages alone (Arborist planning from a lockfile
 * also writes the root's name and version at its top, where a fresh install writes none).
 */
function fingerprint(dir: string, packagesOnly = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of walkFiles(dir)) {
    if (f === '.anima-install.json') continue;
    const p = join(dir, f);
    const st = lstatSync(p);
    const bytes = packagesOnly && f === join('node_modules', '.package-lock.json') ? JSON.stringify(JSON.parse(readFileSync(p, 'utf8')).packages) : readFileSync(p);
    out[f] = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(bytes).digest('hex')}`;
  }
  return out;
}

/** The packuments asked of the registry since `from`. */
function packumentsAsked(from: number): string[] {
  return world.registry.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && !r.url.includes('/-/'))
    .map((r) => decodeURIComponent(r.url.replace(/^\//, '').split('?')[0]));
}

/** The tree as Arborist builds it for `version` in a fresh home (no plan: everything resolved; the registry has one version a range accepts). */
async function arboristTree(version: string, packagesOnly = false): Promise<Record<string, string>> {
  const home = world.newHome();
  await world.cliOk(['runtime', 'install', '--version', version], { home, env: env(`fresh-${version}`) });
  expect(marker(home, version).store.withoutArborist).toBeUndefined();
  return fingerprint(versionDir(home, version), packagesOnly);
}

function expectRunnable(home: string, v: string): void {
  const dir = versionDir(home, v);
  const r = spawnSync(process.execPath, ['-e', `for (const d of ${JSON.stringify(Object.keys(DEPS[v]))}) require(d)`], { cwd: dir, encoding: 'utf8' });
  expect(r.status, `${v}: ${r.stderr}`).toBe(0);
  const bin = spawnSync(join(dir, 'node_modules', '.bin', 'lay-cli'), { cwd: dir, encoding: 'utf8' });
  expect(bin.stdout.trim(), `${v}: lay-cli: ${bin.stderr}`).toBe(`${S}/leaf@1.0.0`);
}

describe('the next version without Arborist', () => {
  it('lays out what Arborist would build, byte for byte, asks the registry only about what changed, and leaves the running version untouched', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home, env: env('a') });
    const running = fingerprint(versionDir(home, '1.0.0'));
    const from = world.registry.requests.length;
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home, env: env('a') });

    const m = marker(home, '1.1.0');
    expect(m.store).toMatchObject({ withoutArborist: true, seeded: 11, stored: 1, linked: 1, own: 0 });
    expect(m.store.arboristBecause).toBeUndefined();
    // At most the one that changed (pinned exactly, it is read from the cached packument when that has it).
    expect(packumentsAsked(from).filter((p) => p !== PKG && p !== `${S}/changes`)).toEqual([]);
    // The subtree only 1.0.0 used is gone; npm's record of the tree lists exactly what is on disk.
    const lock = JSON.parse(readFileSync(join(versionDir(home, '1.1.0'), 'node_modules', '.package-lock.json'), 'utf8'));
    expect(Object.keys(lock.packages).filter((l) => l.includes('only-v1'))).toEqual([]);
    expect(lock.packages[`node_modules/${S}/peer-only`]).toMatchObject({ peer: true });
    expect(lock.packages[`node_modules/${S}/opt-only`]).toMatchObject({ optional: true });
    const bin = join(versionDir(home, '1.1.0'), 'node_modules', '.bin');
    expect(readlinkSync(join(bin, 'lay-dup'))).toBe(`../${S}/kept/dup.js`);
    expect(existsSync(join(versionDir(home, '1.1.0'), 'node_modules', S, 'only-v1'))).toBe(false);

    expect(fingerprint(versionDir(home, '1.1.0'))).toEqual(await arboristTree('1.1.0'));
    expect(fingerprint(versionDir(home, '1.0.0'))).toEqual(running);
    // What the versions share is one file; the package that changed is the new one.
    for (const f of [`node_modules/${S}/shared/cli.js`, `node_modules/${S}/shared/node_modules/${S}/leaf/index.js`, `node_modules/${S}/kept/index.js`]) {
      expect(statSync(join(versionDir(home, '1.1.0'), f)).ino, f).toBe(statSync(join(versionDir(home, '1.0.0'), f)).ino);
    }
    expect(readFileSync(join(versionDir(home, '1.1.0'), 'node_modules', S, 'changes', 'index.js'), 'utf8')).toContain('changes@2.0.0');
    expectRunnable(home, '1.0.0');
    expectRunnable(home, '1.1.0');
  }, 120_000);

  it('declines a change that needs a package placed, says why in the install record, and Arborist builds the tree', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home, env: env('b') });
    await world.cliOk(['runtime', 'install', '--version', '1.2.0'], { home, env: env('b') });
    const m = marker(home, '1.2.0');
    expect(m.store.withoutArborist).toBeUndefined();
    expect(m.store.arboristBecause).toMatch(/brand-new/);
    expect(fingerprint(versionDir(home, '1.2.0'), true)).toEqual(await arboristTree('1.2.0', true));
    expectRunnable(home, '1.2.0');
    // Planned from a tree Arborist built, the version after that is laid out without it again.
    await world.cliOk(['runtime', 'install', '--version', '1.4.0'], { home, env: env('b') });
    expect(marker(home, '1.4.0').store).toMatchObject({ withoutArborist: true, seeded: 13, stored: 0 });
    expectRunnable(home, '1.4.0');
  }, 120_000);

  it('a dependency pinned to a version published after its packument was cached is asked of the registry', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home, env: env('e') });
    await publishPackage(`${S}/changes`, '2.1.0', { dependencies: { [`${S}/kept`]: '^1.0.0' } });
    await world.publishRuntime({ name: PKG, version: '1.5.0', moreDependencies: { ...DEPS['1.1.0'], [`${S}/changes`]: '2.1.0' }, shrinkwrap: false });
    const from = world.registry.requests.length;
    await world.cliOk(['runtime', 'install', '--version', '1.5.0'], { home, env: env('e') });
    expect(marker(home, '1.5.0').store).toMatchObject({ withoutArborist: true, stored: 1 });
    expect(packumentsAsked(from)).toContain(`${S}/changes`);
    expect(JSON.parse(readFileSync(join(versionDir(home, '1.5.0'), 'node_modules', S, 'changes', 'package.json'), 'utf8')).version).toBe('2.1.0');
  }, 120_000);

  it('a changed dependency whose tarball fails its integrity check installs nothing, adds nothing to the store and loses nothing', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home, env: env('c') });
    const before = fingerprint(versionDir(home, '1.1.0'));
    const entries = readdirSync(join(home, 'runtime', 'store')).sort();
    const r = await world.cli(['runtime', 'install', '--version', '1.3.0'], { home, env: env('c') });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/EINTEGRITY|integrity/);
    expect(readdirSync(join(home, 'runtime', 'store')).sort()).toEqual(entries);
    expect(readdirSync(join(home, 'runtime', 'versions'))).toEqual(['1.1.0']);
    expect(fingerprint(versionDir(home, '1.1.0'))).toEqual(before);
    expect(readlinkSync(join(home, 'runtime', 'current'))).toBe(join('versions', '1.1.0'));
  }, 120_000);

  it('killed as it installs the dependencies, leaves the installed version as it was; the next attempt completes', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home, env: env('d') });
    const running = fingerprint(versionDir(home, '1.0.0'));
    // Killed as the dependencies' step begins: planning, adding to the store, laying out, wherever it is by then.
    const k = await new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'runtime', 'install', '--version', '1.1.0'], { env: { ...world.env, ...env('d'), ANIMA_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/Installing the dependencies of 1\.1\.0/.test(stderr)) child.kill('SIGKILL');
      });
      child.on('error', reject).on('close', (_code, signal) => resolve({ signal, stderr }));
    });
    expect(k.signal, k.stderr).toBe('SIGKILL');
    expect(fingerprint(versionDir(home, '1.0.0'))).toEqual(running);
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home, env: env('d') });
    expect(readdirSync(join(home, 'runtime', 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(readdirSync(join(home, 'runtime', 'store')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(fingerprint(versionDir(home, '1.1.0'))).toEqual(await arboristTree('1.1.0'));
    expect(fingerprint(versionDir(home, '1.0.0'))).toEqual(running);
    expectRunnable(home, '1.1.0');
  }, 120_000);
});
