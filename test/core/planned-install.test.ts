// The next version is planned from the tree installed now (main/core/previous-lock.ts):
// dependencies the new version still accepts keep their installed versions and are not
// asked of the registry again; what changed is resolved; a first install, or a registry
// that changed since, resolves everything afresh. Real registries, real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { lockFromPrevious, registryResolver, underRegistry } from '../../main/core/previous-lock';

const PKG = '@anima-plan/runtime';
let world: World;
let mirror: TestRegistry;

async function publishTo(registry: TestRegistry, name: string, version: string, deps: Record<string, string> = {}): Promise<void> {
  const dir = join(world.tmp, 'plan-pkgs', `${name.replace(/[@/]/g, '_')}-${version}-${registry.url.replace(/\W/g, '')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, license: 'MIT', main: 'index.js', dependencies: deps }, null, 2));
  await registry.publish(dir);
}

/** A runtime without a shrinkwrap: a lockfile the version ships decides its tree, and then there is nothing to plan. */
async function publishRuntimeTo(registry: TestRegistry, version: string, deps: Record<string, string>): Promise<void> {
  await registry.publish(buildRuntimePackage(join(world.tmp, `plan-runtimes-${registry.url.replace(/\W/g, '')}`), { name: PKG, version, moreDependencies: deps, shrinkwrap: false }));
}

/** name@version of every package installed under a version, from its node_modules. */
function installedVersionOf(home: string, version: string, name: string): string {
  return JSON.parse(readFileSync(join(home, 'runtime', 'versions', version, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** The packuments asked of a registry since `from` (GETs of a package document, not of a tarball). */
function packumentsAsked(registry: TestRegistry, from: number): string[] {
  return registry.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && !r.url.includes('/-/'))
    .map((r) => decodeURIComponent(r.url.replace(/^\//, '').split('?')[0]));
}

/** The runtime package, and an npm cache of its own for a step: what a step asks of a registry is then not hidden by a cached packument. */
const env = (cache: string) => ({ ANIMA_RUNTIME_PACKAGE: PKG, npm_config_cache: join(world.tmp, `cache-${cache}`) });

const V1 = { '@anima-plan/kept': '^1.0.0', '@anima-plan/changes': '1.0.0', '@anima-plan/uses-kept': '1.0.0' };
const V2 = { '@anima-plan/kept': '^1.0.0', '@anima-plan/changes': '2.0.0', '@anima-plan/uses-kept': '1.0.0' };

beforeAll(async () => {
  world = await startWorld({ standard: false });
  mirror = await startRegistry();
  await mirror.publish(buildTinyDep(join(world.tmp, 'plan-mirror'), '1.0.0'));
  for (const registry of [world.registry, mirror]) {
    await publishTo(registry, '@anima-plan/kept', '1.0.0');
    await publishTo(registry, '@anima-plan/changes', '1.0.0');
    await publishTo(registry, '@anima-plan/changes', '2.0.0', { '@anima-plan/kept': '^1.0.0' });
    await publishTo(registry, '@anima-plan/uses-kept', '1.0.0', { '@anima-plan/kept': '^1.0.0' });
    await publishRuntimeTo(registry, '1.0.0', V1);
    await publishRuntimeTo(registry, '1.1.0', V2);
  }
}, 120_000);
afterAll(async () => {
  await mirror?.close();
  await world?.close();
});

describe('installing the next version beside the current one', () => {
  it('keeps the installed versions the new one still accepts, asks the registry only about what changed, and a first install resolves afresh', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home, env: env('first') });
    expect(installedVersionOf(home, '1.0.0', '@anima-plan/kept')).toBe('1.0.0');

    // A newer kept@1 appears: the range of the next version accepts both.
    await publishTo(world.registry, '@anima-plan/kept', '1.1.0');
    const from = world.registry.requests.length;
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home, env: env('next') });
    expect(installedVersionOf(home, '1.1.0', '@anima-plan/kept')).toBe('1.0.0');
    expect(installedVersionOf(home, '1.1.0', '@anima-plan/changes')).toBe('2.0.0');
    const asked = packumentsAsked(world.registry, from);
    expect(asked).toContain('@anima-plan/changes');
    expect(asked).not.toContain('@anima-plan/kept');
    expect(asked).not.toContain('@anima-plan/uses-kept');
    // The staging folder's planning lockfile is not part of what was installed.
    expect(() => readFileSync(join(home, 'runtime', 'versions', '1.1.0', 'package-lock.json'))).toThrow(/ENOENT/);
    // The previous version is as it was.
    expect(installedVersionOf(home, '1.0.0', '@anima-plan/changes')).toBe('1.0.0');

    const fresh = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.1.0'], { home: fresh, env: env('fresh') });
    expect(installedVersionOf(fresh, '1.1.0', '@anima-plan/kept')).toBe('1.1.0');
  }, 120_000);

  it('with another registry than the installed tree came from, resolves everything there and never asks the old one', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home, env: env('before-move') });
    const from = world.registry.requests.length;
    const mirrorFrom = mirror.requests.length;
    await world.cliOk(['runtime', 'install', '--version', '1.1.0', '--registry', mirror.url], { home, env: env('after-move') });
    expect(world.registry.requests.length - from).toBe(0);
    expect(packumentsAsked(mirror, mirrorFrom)).toEqual(expect.arrayContaining(['@anima-plan/kept', '@anima-plan/uses-kept', '@anima-plan/changes']));
    const lock = JSON.parse(readFileSync(join(home, 'runtime', 'versions', '1.1.0', 'node_modules', '.package-lock.json'), 'utf8'));
    for (const entry of Object.values(lock.packages) as { resolved: string }[]) expect(underRegistry(entry.resolved, mirror.url)).toBe(true);
  }, 120_000);
});

describe('lockFromPrevious', () => {
  const dir = () => {
    const d = join(world.tmp, `prev-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(d, 'node_modules'), { recursive: true });
    return d;
  };
  const hidden = (packages: Record<string, unknown>) => JSON.stringify({ lockfileVersion: 3, requires: true, packages });
  const entry = (url: string) => ({ version: '1.0.0', resolved: url, integrity: 'sha512-x' });
  const pkg = { name: 'r', version: '2.0.0', dependencies: { a: '^1.0.0' }, devDependencies: undefined };

  it('makes a lockfile whose root is the new package and whose packages are the installed tree', () => {
    const d = dir();
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), hidden({ 'node_modules/a': entry('https://r.example/a/-/a-1.0.0.tgz') }));
    const lock = lockFromPrevious(d, pkg, registryResolver({ registry: 'https://r.example/' }));
    expect(lock?.packages['']).toEqual({ name: 'r', version: '2.0.0', dependencies: { a: '^1.0.0' } });
    expect(lock?.packages['node_modules/a']).toEqual(entry('https://r.example/a/-/a-1.0.0.tgz'));
  });

  it('declines a tree from another registry (scoped registries per scope), a linked or git package, or no hidden lockfile', () => {
    const d = dir();
    const opts = registryResolver({ registry: 'https://r.example/', '@co:registry': 'https://user:secret@co.example/npm/' });
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), hidden({ 'node_modules/@co/x': entry('https://co.example/npm/@co/x/-/x-1.0.0.tgz') }));
    expect(lockFromPrevious(d, pkg, opts)).not.toBeNull();
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), hidden({ 'node_modules/@co/x': entry('https://r.example/@co/x/-/x-1.0.0.tgz') }));
    expect(lockFromPrevious(d, pkg, opts)).toBeNull();
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), hidden({ 'node_modules/a': entry('https://other.example/a/-/a-1.0.0.tgz') }));
    expect(lockFromPrevious(d, pkg, opts)).toBeNull();
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), hidden({ 'node_modules/a': { resolved: '../a', link: true } }));
    expect(lockFromPrevious(d, pkg, opts)).toBeNull();
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), hidden({ 'node_modules/a': entry('git+ssh://git@github.com/a/a.git#abc') }));
    expect(lockFromPrevious(d, pkg, opts)).toBeNull();
    writeFileSync(join(d, 'node_modules', '.package-lock.json'), '{ not json');
    expect(lockFromPrevious(d, pkg, opts)).toBeNull();
    expect(lockFromPrevious(dir(), pkg, opts)).toBeNull();
  });

  it('compares registries by scheme, host and path, never by credentials', () => {
    expect(underRegistry('https://co.example/npm/x/-/x-1.tgz', 'https://u:p@co.example/npm/')).toBe(true);
    expect(underRegistry('https://co.example/npm2/x/-/x-1.tgz', 'https://co.example/npm')).toBe(false);
    expect(underRegistry('http://co.example/npm/x/-/x-1.tgz', 'https://co.example/npm/')).toBe(false);
    expect(underRegistry('https://co.example:8443/npm/x.tgz', 'https://co.example/npm/')).toBe(false);
    expect(underRegistry('not a url', 'https://co.example/')).toBe(false);
  });
});
