// The home's shared package store (runtime/store, main/core/package-store.ts): versions
// share the files of the packages they have in common as hard links, and installing,
// killing, pruning, deleting or rolling back never changes a version that is installed.
// Real registry, real CLI and supervisor processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CLI, startWorld, type World } from '../helpers/world';
import { buildRuntimePackage } from '../helpers/fixtures';
import { expectRunningVerified, output, startAt, type Supervised } from '../upgrade/lib';

const PKG = '@anima-store/runtime';
let world: World;

/** A small package published to the test registry. */
async function publishPackage(name: string, version: string, extra: Record<string, unknown> = {}, files: Record<string, string> = {}): Promise<void> {
  const dir = join(world.tmp, 'store-pkgs', `${name.replace(/[@/]/g, '_')}-${version}`);
  mkdirSync(dir, { recursive: true });
  const all: Record<string, string> = { 'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`, ...files };
  for (const [f, text] of Object.entries(all)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, license: 'MIT', main: 'index.js', ...extra }, null, 2));
  await world.registry.publish(dir);
}

// 1.0.0 → 1.1.0 changes one dependency (changes 1 → 2); 1.2.0 drops `scripted`. `shared` depends on
// leaf@1 while the runtime wants leaf@2, so leaf@1 sits nested under shared (a nested folder in the store's view).
const DEPS: Record<string, Record<string, string>> = {
  '1.0.0': { '@anima-store/shared': '1.0.0', '@anima-store/leaf': '2.0.0', '@anima-store/changes': '1.0.0', '@anima-store/scripted': '1.0.0' },
  '1.1.0': { '@anima-store/shared': '1.0.0', '@anima-store/leaf': '2.0.0', '@anima-store/changes': '2.0.0', '@anima-store/scripted': '1.0.0' },
  '1.2.0': { '@anima-store/shared': '1.0.0', '@anima-store/leaf': '2.0.0', '@anima-store/changes': '2.0.0' },
};

beforeAll(async () => {
  world = await startWorld({ standard: false });
  await publishPackage('@anima-store/leaf', '1.0.0');
  await publishPackage('@anima-store/leaf', '2.0.0');
  await publishPackage('@anima-store/shared', '1.0.0', { bin: { 'shared-cli': 'cli.js' }, dependencies: { '@anima-store/leaf': '^1.0.0' } }, {
    'cli.js': "#!/usr/bin/env node\nconsole.log(require('@anima-store/leaf'));\n",
    'lib/deep/file.js': 'module.exports = 42;\n',
  });
  await publishPackage('@anima-store/changes', '1.0.0');
  await publishPackage('@anima-store/changes', '2.0.0');
  // Its install script writes into its own folder, differently on every install.
  await publishPackage('@anima-store/scripted', '1.0.0', {
    scripts: { postinstall: "node -e \"require('fs').appendFileSync('built.txt', process.pid + ' ' + Date.now() + '\\n'); require('fs').appendFileSync('index.js', '// built ' + process.pid + '\\n')\"" },
  });
  // No shrinkwrap: each next version is planned from the tree installed before it (previous-lock.ts), as a runtime without a lockfile is.
  for (const [version, deps] of Object.entries(DEPS)) await world.publishRuntime({ name: PKG, version, moreDependencies: deps, shrinkwrap: false });
  // A dependency whose tarball on the registry no longer matches its integrity.
  await publishPackage('@anima-store/tampered', '1.0.0');
  await world.registry.corruptTarball('@anima-store/tampered', '1.0.0');
  await world.publishRuntime({ name: '@anima-store/tampered-runtime', version: '1.0.0', moreDependencies: { ...DEPS['1.2.0'], '@anima-store/tampered': '1.0.0' } });
  // A bin whose shebang line ends in CRLF (written on Windows): bin-links rewrites that line in place.
  await publishPackage('@anima-store/crlf-bin', '1.0.0', { bin: { 'crlf-cli': 'cli.js' } }, { 'cli.js': "#!/usr/bin/env node\r\nconsole.log('crlf');\r\n" });
  await world.publishRuntime({ name: '@anima-store/crlf-runtime', version: '1.0.0', moreDependencies: { ...DEPS['1.2.0'], '@anima-store/crlf-bin': '1.0.0' } });
  // Runtimes that ship a hand-written shrinkwrap: it pins tiny-dep by version alone, with no integrity or tarball.
  for (const version of ['1.0.0', '1.1.0']) await world.publishRuntime({ name: '@anima-store/locked-runtime', version });
  // A runtime whose web service never becomes healthy, sharing 1.0.0's packages: an upgrade to it rolls back.
  await world.publishRuntime({ name: PKG, version: '1.3.0', web: 'never-healthy', moreDependencies: DEPS['1.0.0'], shrinkwrap: false });
});
afterAll(() => world?.close());

const env = { ANIMA_RUNTIME_PACKAGE: PKG };
const versionDir = (home: string, v: string) => join(home, 'runtime', 'versions', v);
const storeOf = (home: string) => join(home, 'runtime', 'store');

function install(home: string, v: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return world.cliOk(['runtime', 'install', '--version', v], { home, env: { ...env, ...extraEnv } });
}

function walkFiles(dir: string, out: string[] = [], root = dir): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out, root);
    else out.push(relative(root, p));
  }
  return out.sort();
}

/** Every file of a version (links included, as their targets), with its bytes and mode: what must never change under it. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of walkFiles(dir)) {
    const p = join(dir, f);
    const st = lstatSync(p);
    out[f] = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
  }
  return out;
}

/** Store entries (folder names) whose files some version links to; and every entry. */
function storeUse(home: string): { entries: string[]; used: Set<string> } {
  const store = storeOf(home);
  const entries = existsSync(store) ? readdirSync(store).sort() : [];
  const inodes = new Map<number, string>();
  for (const e of entries) for (const f of walkFiles(join(store, e))) inodes.set(statSync(join(store, e, f)).ino, e);
  const used = new Set<string>();
  const versions = join(home, 'runtime', 'versions');
  for (const v of readdirSync(versions)) {
    for (const f of walkFiles(join(versions, v))) {
      const st = lstatSync(join(versions, v, f));
      if (st.isFile() && inodes.has(st.ino)) used.add(inodes.get(st.ino)!);
    }
  }
  return { entries, used };
}

/** Same inode: the two versions share this file. */
function shared(home: string, a: string, b: string, file: string): boolean {
  return statSync(join(versionDir(home, a), file)).ino === statSync(join(versionDir(home, b), file)).ino;
}

/** The version's dependencies load and its bin runs, from its own folder. */
function expectRunnable(home: string, v: string): void {
  const dir = versionDir(home, v);
  const code = `for (const d of ${JSON.stringify(Object.keys(DEPS[v] ?? DEPS['1.0.0']))}) require(d); require('@anima-fixtures/tiny-dep');`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: dir, encoding: 'utf8' });
  expect(r.status, `${v}: ${r.stderr}`).toBe(0);
  const bin = spawnSync(join(dir, 'node_modules', '.bin', 'shared-cli'), { cwd: dir, encoding: 'utf8' });
  expect(bin.stdout.trim(), `${v}: shared-cli: ${bin.stderr}`).toBe('@anima-store/leaf@1.0.0');
}

const SHARED_FILES = ['node_modules/@anima-store/shared/index.js', 'node_modules/@anima-store/shared/lib/deep/file.js', 'node_modules/@anima-store/leaf/package.json', 'node_modules/@anima-store/shared/node_modules/@anima-store/leaf/index.js'];

describe('the package store', () => {
  it('a second version links what it shares with the first, keeps its own copy of what runs install scripts, and both run', async () => {
    const home = world.newHome();
    await install(home, '1.0.0');
    const before = fingerprint(versionDir(home, '1.0.0'));
    const r = await install(home, '1.1.0');
    expect(r.stderr + r.stdout).toMatch(/\d+ packages linked from the store/);
    for (const f of SHARED_FILES) expect(shared(home, '1.0.0', '1.1.0', f), f).toBe(true);
    expect(shared(home, '1.0.0', '1.1.0', 'node_modules/@anima-store/scripted/index.js')).toBe(false);
    expect(shared(home, '1.0.0', '1.1.0', 'web.js')).toBe(false);
    // Shared files are read-only: a write through them fails rather than change every version.
    expect(statSync(join(versionDir(home, '1.1.0'), SHARED_FILES[0])).mode & 0o222).toBe(0);
    // The install script wrote into its own folder only: 1.0.0's copy is as it was.
    expect(fingerprint(versionDir(home, '1.0.0'))).toEqual(before);
    expect(readFileSync(join(versionDir(home, '1.1.0'), 'node_modules/@anima-store/scripted/built.txt'), 'utf8')).not.toBe(
      readFileSync(join(versionDir(home, '1.0.0'), 'node_modules/@anima-store/scripted/built.txt'), 'utf8'),
    );
    expectRunnable(home, '1.0.0');
    expectRunnable(home, '1.1.0');
    // npm's own record of the tree is there and fresh, as `npm install` leaves it.
    const lock = JSON.parse(readFileSync(join(versionDir(home, '1.1.0'), 'node_modules/.package-lock.json'), 'utf8'));
    expect(Object.keys(lock.packages)).toEqual(expect.arrayContaining(['node_modules/@anima-store/shared', 'node_modules/@anima-store/shared/node_modules/@anima-store/leaf']));
    const { entries, used } = storeUse(home);
    expect(entries.length).toBeGreaterThan(0);
    expect([...used].sort()).toEqual(entries);
  });
});

describe('what enters the store', () => {
  it('with no install code in the tree, entries are made of the folders Arborist unpacked (bins too), read-only, and the next version shares them', async () => {
    const home = world.newHome();
    await install(home, '1.2.0');
    const marker = JSON.parse(readFileSync(join(versionDir(home, '1.2.0'), '.anima-install.json'), 'utf8'));
    // leaf 1 and 2, changes 2, tiny-dep, shared (its bin's shebang line ends in LF: bin-links only set its mode).
    expect(marker.store).toMatchObject({ seeded: 0, unshared: 0, stored: 5, reread: 0, linked: 5, own: 0 });
    const { entries, used } = storeUse(home);
    expect(entries).toHaveLength(5);
    expect([...used].sort()).toEqual(entries);
    for (const e of entries) for (const f of walkFiles(join(storeOf(home), e))) expect(statSync(join(storeOf(home), e, f)).mode & 0o222, `${e}/${f}`).toBe(0);
    expect(statSync(join(versionDir(home, '1.2.0'), 'node_modules/.bin/shared-cli')).mode & 0o111).not.toBe(0);
    expectRunnable(home, '1.2.0');
    await install(home, '1.1.0');
    for (const f of SHARED_FILES) expect(shared(home, '1.1.0', '1.2.0', f), f).toBe(true);
    expectRunnable(home, '1.1.0');
  });

  it('a bin whose shebang line ends in CRLF, which bin-links rewrites, keeps its own files; the rest is stored from the folders', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--package', '@anima-store/crlf-runtime', '--version', '1.0.0'], { home, env: { ...env, npm_config_cache: join(world.tmp, 'cache-crlf') } });
    const dir = join(home, 'runtime', 'versions', '1.0.0');
    const marker = JSON.parse(readFileSync(join(dir, '.anima-install.json'), 'utf8'));
    // Everything but crlf-bin made of what Arborist unpacked; crlf-bin's rewritten bin differs from its tarball: not shared.
    expect(marker.store, JSON.stringify(marker.store)).toMatchObject({ reread: 0, own: 1 });
    expect(marker.store.stored).toBeGreaterThanOrEqual(4);
    const cli = join(dir, 'node_modules/@anima-store/crlf-bin/cli.js');
    expect(readFileSync(cli, 'latin1').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(lstatSync(cli).nlink).toBe(1);
    expect(execFileSync(join(dir, 'node_modules/.bin/crlf-cli'), { encoding: 'utf8' })).toBe('crlf\n');
  });

  it('a lockfile the version ships with no integrity for a package (written by hand) shares it all the same: its integrity is the registry\'s', async () => {
    const home = world.newHome();
    const locked = (v: string) => world.cliOk(['runtime', 'install', '--package', '@anima-store/locked-runtime', '--version', v], { home, env: { ...env, npm_config_cache: join(world.tmp, 'cache-locked') } });
    const tiny = 'node_modules/@anima-fixtures/tiny-dep';
    await locked('1.0.0');
    expect(JSON.parse(readFileSync(join(versionDir(home, '1.0.0'), '.anima-install.json'), 'utf8')).store).toMatchObject({ seeded: 0, stored: 1, linked: 1 });
    await locked('1.1.0');
    expect(JSON.parse(readFileSync(join(versionDir(home, '1.1.0'), '.anima-install.json'), 'utf8')).store).toMatchObject({ seeded: 1, stored: 0 });
    expect(shared(home, '1.0.0', '1.1.0', `${tiny}/index.js`)).toBe(true);
    // npm's record of the tree names what the files were checked against.
    const lock = JSON.parse(readFileSync(join(versionDir(home, '1.1.0'), 'node_modules/.package-lock.json'), 'utf8'));
    expect(lock.packages[tiny]).toMatchObject({ version: '1.0.0', integrity: expect.stringMatching(/^sha512-/), resolved: `${world.registry.url}@anima-fixtures/tiny-dep/-/tiny-dep-1.0.0.tgz` });
    const r = spawnSync(process.execPath, ['-e', "console.log(require('@anima-fixtures/tiny-dep').formatDuration(61000))"], { cwd: versionDir(home, '1.1.0'), encoding: 'utf8' });
    expect(r.stdout.trim(), r.stderr).toBe('1m 1s');
  });

  it('…and a version published after npm\'s cache was filled is asked of the registry, not taken as missing', async () => {
    const home = world.newHome();
    const cache = join(world.tmp, 'cache-late');
    const RT = '@anima-store/late-runtime';
    /** A runtime shipping a hand-written shrinkwrap that pins @anima-store/late by version alone. */
    const publishPinning = async (version: string, late: string) => {
      const dir = buildRuntimePackage(join(world.tmp, 'pkgs-late'), { name: RT, version, moreDependencies: { '@anima-store/late': late }, shrinkwrap: false });
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      writeFileSync(join(dir, 'npm-shrinkwrap.json'), JSON.stringify({
        name: RT, version, lockfileVersion: 3, requires: true,
        packages: { '': { name: RT, version, dependencies: pkg.dependencies }, 'node_modules/@anima-fixtures/tiny-dep': { version: '1.0.0' }, 'node_modules/@anima-store/late': { version: late } },
      }, null, 2));
      await world.registry.publish(dir);
    };
    const installRt = (v: string) => world.cliOk(['runtime', 'install', '--package', RT, '--version', v], { home, env: { ...env, npm_config_cache: cache } });
    await publishPackage('@anima-store/late', '1.0.0');
    await publishPinning('1.0.0', '1.0.0');
    await installRt('1.0.0');
    // Published now: the packument in npm's cache doesn't list it.
    await publishPackage('@anima-store/late', '1.1.0');
    await publishPinning('1.1.0', '1.1.0');
    await installRt('1.1.0');
    const dir = versionDir(home, '1.1.0');
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/@anima-store/late/package.json'), 'utf8')).version).toBe('1.1.0');
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')).packages['node_modules/@anima-store/late'].integrity).toMatch(/^sha512-/);
    expect(shared(home, '1.0.0', '1.1.0', 'node_modules/@anima-fixtures/tiny-dep/index.js')).toBe(true);
    // A version the registry never had: the error names the dependency and the version, and nothing is added.
    await publishPinning('1.2.0', '9.9.9');
    const r = await world.cli(['runtime', 'install', '--package', RT, '--version', '1.2.0'], { home, env: { ...env, npm_config_cache: cache } });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain('its dependency @anima-store/late has no version matching "9.9.9"');
    expect(readdirSync(join(home, 'runtime', 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
  });

  it('a dependency whose tarball fails its integrity check installs nothing and adds nothing to the store', async () => {
    const home = world.newHome();
    await install(home, '1.2.0');
    const before = storeUse(home).entries;
    const r = await world.cli(['runtime', 'install', '--package', '@anima-store/tampered-runtime', '--version', '1.0.0'], { home, env: { ...env, npm_config_cache: join(world.tmp, 'cache-tampered') } });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/EINTEGRITY|integrity/);
    expect(storeUse(home).entries).toEqual(before);
    expect(readdirSync(storeOf(home)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(home, 'runtime', 'versions'))).toEqual(['1.2.0']);
  });
});

describe('pruning', () => {
  it('frees exactly the entries no kept version links to', async () => {
    const home = world.newHome();
    await install(home, '1.0.0');
    await install(home, '1.1.0');
    const changes1 = storeUse(home).entries.find((e) => existsSync(join(storeOf(home), e, 'package.json')) && readFileSync(join(storeOf(home), e, 'package.json'), 'utf8').includes('"version": "1.0.0"') && readFileSync(join(storeOf(home), e, 'package.json'), 'utf8').includes('@anima-store/changes'));
    expect(changes1).toBeDefined();
    const kept = fingerprint(versionDir(home, '1.1.0'));
    await install(home, '1.2.0'); // keepVersions 2: 1.0.0 goes
    expect(readdirSync(join(home, 'runtime', 'versions')).sort()).toEqual(['1.1.0', '1.2.0']);
    // No install script in 1.2.0's tree: everything the store had was laid out before Arborist ran, and Arborist left it in place.
    const marker = JSON.parse(readFileSync(join(versionDir(home, '1.2.0'), '.anima-install.json'), 'utf8'));
    expect(marker.store).toMatchObject({ seeded: 5, unshared: 0, stored: 0, linked: 0 });
    for (const f of SHARED_FILES) expect(shared(home, '1.1.0', '1.2.0', f), f).toBe(true);
    const { entries, used } = storeUse(home);
    expect(entries).not.toContain(changes1);
    expect([...used].sort()).toEqual(entries);
    expect(fingerprint(versionDir(home, '1.1.0'))).toEqual(kept);
    expectRunnable(home, '1.1.0');
    expectRunnable(home, '1.2.0');
  });
});

/** Runs `runtime install --version V` and SIGKILLs it when `at` shows on stderr, or `afterMs` after that. */
function installAndKill(home: string, extraEnv: NodeJS.ProcessEnv, version: string, trigger: { at: RegExp; afterMs?: number }): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'runtime', 'install', '--version', version], {
      env: { ...world.env, ...env, ...extraEnv, ANIMA_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (timer || !trigger.at.test(stderr)) return;
      timer = setTimeout(() => child.kill('SIGKILL'), trigger.afterMs ?? 0);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, stderr });
    });
  });
}

async function webVersion(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/server-info`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { version: string }).version;
}

describe('kill -9 during an install beside the running version', () => {
  // The install's progress lines, in order; the two middle ones come from the dependency installer's child.
  const points: Array<{ name: string; at: RegExp; afterMs?: number }> = [
    { name: 'Resolving', at: /^Resolving /m },
    { name: 'Installing the dependencies', at: /^Installing the dependencies of 1\.1\.0$/m },
    { name: 'seeded from the store', at: /packages linked from the store/ },
    { name: 'adding to the store', at: /adding the new packages to the store/ },
    { name: 'adding to the store, 40 ms in', at: /adding the new packages to the store/, afterMs: 40 },
    { name: 'Checking', at: /^Checking /m },
    { name: 'Pinning', at: /^Pinning /m },
  ];
  for (const p of points) {
    it(`killed at "${p.name}": the running 1.0.0 is untouched and keeps running; the next install completes; both versions run`, async () => {
      const h: Supervised = await world.supervisedHome(env);
      await startAt(world, h, '1.0.0');
      const running = fingerprint(versionDir(h.home, '1.0.0'));
      const k = await installAndKill(h.home, h.env, '1.1.0', p);
      expect(k.stderr).toMatch(p.at);
      expect(k.killed || k.code === 0, k.stderr).toBe(true);
      expect(fingerprint(versionDir(h.home, '1.0.0')), `killed at ${p.name}`).toEqual(running);
      expect(await webVersion(h.port)).toBe('1.0.0');

      const r = await world.cli(['runtime', 'install', '--version', '1.1.0'], { home: h.home, env: { ...h.env } });
      expect(r.code, output(r)).toBe(0);
      expect(fingerprint(versionDir(h.home, '1.0.0')), `after the next install (killed at ${p.name})`).toEqual(running);
      expect(readdirSync(storeOf(h.home)).filter((n) => n.startsWith('.'))).toEqual([]);
      expect(readdirSync(join(h.home, 'runtime', 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
      for (const f of SHARED_FILES) expect(shared(h.home, '1.0.0', '1.1.0', f), f).toBe(true);
      const { entries, used } = storeUse(h.home);
      expect([...used].sort()).toEqual(entries);
      expectRunnable(h.home, '1.0.0');
      expectRunnable(h.home, '1.1.0');
      const restart = await world.cli(['restart', '--version', '1.1.0'], { home: h.home, env: h.env });
      expect(restart.code, output(restart)).toBe(0);
      await expectRunningVerified(world, h, '1.1.0');
      expect(fingerprint(versionDir(h.home, '1.0.0'))).toEqual(running);
    });
  }
});

describe('runtime/ deleted', () => {
  it('is recovered by reinstalling the pin; the store is rebuilt and shared again', async () => {
    const home = world.newHome();
    await install(home, '1.0.0');
    await install(home, '1.1.0');
    const pinned = fingerprint(versionDir(home, '1.1.0'));
    rmSync(join(home, 'runtime'), { recursive: true, force: true });
    await install(home, '1.1.0');
    expect(readlinkSync(join(home, 'runtime', 'current'))).toBe(join('versions', '1.1.0'));
    // Same files; the built.txt of the package with an install script is written anew by it.
    const again = fingerprint(versionDir(home, '1.1.0'));
    const scriptOutput = (f: Record<string, string>) => Object.fromEntries(Object.entries(f).filter(([k]) => !/\.anima-install\.json$|scripted\/(built\.txt|index\.js)$|\.package-lock\.json$/.test(k)));
    expect(scriptOutput(again)).toEqual(scriptOutput(pinned));
    expectRunnable(home, '1.1.0');
    await install(home, '1.0.0');
    for (const f of SHARED_FILES) expect(shared(home, '1.0.0', '1.1.0', f), f).toBe(true);
    expectRunnable(home, '1.0.0');
  });
});

describe('rollback', () => {
  it('an upgrade to a version sharing the running one\'s packages fails and rolls back: the old version runs verified, its files untouched; a later rollback by hand works too', async () => {
    const h: Supervised = await world.supervisedHome({ ...env, ANIMA_WEB_START_TIMEOUT_MS: '4000' });
    // The store is counted at the end: no preparation of the offered version may be installing then (test/upgrade/prepare.test.ts covers those).
    expect((await world.cli(['config', 'set', 'updates.prepare', 'false'], { home: h.home, env: h.env })).code).toBe(0);
    await startAt(world, h, '1.0.0');
    const running = fingerprint(versionDir(h.home, '1.0.0'));
    const r = await world.cli(['upgrade'], { home: h.home, env: h.env });
    expect(r.code, output(r)).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/1\.3\.0/);
    await expectRunningVerified(world, h, '1.0.0');
    expect(fingerprint(versionDir(h.home, '1.0.0'))).toEqual(running);

    // Forward to 1.1.0 (sharing most of 1.0.0's packages), then back by hand to the version kept for rollback.
    const fwd = await world.cli(['restart', '--version', '1.1.0'], { home: h.home, env: h.env });
    expect(fwd.code, output(fwd)).toBe(0);
    await expectRunningVerified(world, h, '1.1.0');
    for (const f of SHARED_FILES) expect(shared(h.home, '1.0.0', '1.1.0', f), f).toBe(true);
    const back = await world.cli(['restart', '--version', '1.0.0'], { home: h.home, env: h.env });
    expect(back.code, output(back)).toBe(0);
    await expectRunningVerified(world, h, '1.0.0');
    expect(fingerprint(versionDir(h.home, '1.0.0'))).toEqual(running);
    const { entries, used } = storeUse(h.home);
    expect([...used].sort()).toEqual(entries);
  });
});
