// planTree (main/core/planned-tree.ts) alone: the lockfiles are small hand-written ones,
// since what is checked here is which trees it declines to work out without Arborist and
// the dependency flags it computes; planned-layout.test.ts checks the trees it does work
// out against Arborist's own, on a real registry.
import { describe, expect, it } from 'vitest';
import { declineRoot, planTree } from '../../main/core/planned-tree';
import type { LockEntry, Lockfile } from '../../main/core/previous-lock';
import { lockfileJson } from '../../main/core/store-layout';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const I = (n: number) => `sha512-${Buffer.alloc(64, n).toString('base64')}`;
const pkg = (version: string, n: number, more: Partial<LockEntry> = {}): LockEntry => ({ version, resolved: `https://r.example/x-${version}.tgz`, integrity: I(n), ...more });
const lock = (root: LockEntry, packages: Record<string, LockEntry>): Lockfile => ({ lockfileVersion: 3, requires: true, packages: { '': { name: 'rt', version: '2.0.0', ...root }, ...packages } });
const noFetch = async (name: string): Promise<Record<string, unknown>> => {
  throw new Error(`asked the registry for ${name}`);
};

const manifest = (name: string, version: string, n: number, more: Record<string, unknown> = {}) => ({ name, version, _resolved: `https://r.example/${name}-${version}.tgz`, _integrity: I(n), license: 'MIT', ...more });

describe('planTree', () => {
  it('keeps a tree whose edges all hold, drops what the root no longer reaches, and sets the optional and peer flags', async () => {
    const r = await planTree(
      lock({ dependencies: { a: '^1.0.0', c: '1.0.0', o: '1.0.0' } }, {
        'node_modules/a': pkg('1.2.0', 1, { dependencies: { b: '^1.0.0' }, peerDependencies: { p: '*' } }),
        'node_modules/a/node_modules/b': pkg('1.0.0', 2),
        'node_modules/b': pkg('2.0.0', 3),
        'node_modules/c': pkg('1.0.0', 4, { dependencies: { b: '^2.0.0' } }),
        'node_modules/p': pkg('1.0.0-rc.1', 5, { peer: true }),
        'node_modules/o': pkg('1.0.0', 6, { optionalDependencies: { q: '^1' } }),
        'node_modules/q': pkg('1.5.0', 7, { optional: true }),
        'node_modules/gone': pkg('1.0.0', 8, { dependencies: { 'gone-child': '1.0.0' } }),
        'node_modules/gone-child': pkg('1.0.0', 9),
      }),
      noFetch,
    );
    if (!('tree' in r)) throw new Error(r.declined);
    expect(Object.keys(r.tree.packages)).toEqual(['node_modules/a', 'node_modules/a/node_modules/b', 'node_modules/b', 'node_modules/c', 'node_modules/o', 'node_modules/p', 'node_modules/q']);
    expect(r.tree.packages['node_modules/p'].peer).toBe(true);
    expect(r.tree.packages['node_modules/q'].optional).toBe(true);
    expect(Object.values(r.tree.packages).filter((e) => e.peer || e.optional)).toHaveLength(2);
    expect(r.tree.fetched).toEqual([]);
  });

  it('puts a changed root dependency in its predecessor\'s place and drops what only the predecessor needed', async () => {
    const asked: string[] = [];
    const r = await planTree(
      lock({ dependencies: { a: '2.0.0', k: '^1.0.0' } }, {
        'node_modules/a': pkg('1.0.0', 1, { dependencies: { x: '1.0.0' } }),
        'node_modules/x': pkg('1.0.0', 2),
        'node_modules/k': pkg('1.1.0', 3),
      }),
      async (name, spec) => {
        asked.push(`${name}@${spec}`);
        return manifest('a', '2.0.0', 4, { dependencies: { k: '^1.0.0' } });
      },
    );
    if (!('tree' in r)) throw new Error(r.declined);
    expect(asked).toEqual(['a@2.0.0']);
    expect(r.tree.fetched).toEqual(['node_modules/a']);
    expect(Object.keys(r.tree.packages)).toEqual(['node_modules/a', 'node_modules/k']);
    expect(r.tree.packages['node_modules/a']).toEqual({ version: '2.0.0', resolved: 'https://r.example/a-2.0.0.tgz', integrity: I(4), license: 'MIT', dependencies: { k: '^1.0.0' } });
  });

  const declines: Array<[string, Lockfile, RegExp, Record<string, unknown>?]> = [
    ['a root with overrides', lock({ dependencies: { a: '1.0.0' }, overrides: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1) }), /overrides/],
    ['a package with install scripts', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1, { hasInstallScript: true }) }), /hasInstallScript/],
    ['a package limited to some platforms', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1, { os: ['darwin'] }) }), /os/],
    ['an alias', lock({ dependencies: { a: 'npm:b@1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1, { name: 'b' }) }), /alias/],
    ['a dist-tag', lock({ dependencies: { a: 'latest' } }, { 'node_modules/a': pkg('1.0.0', 1) }), /not a registry range/],
    ['a git dependency deeper down', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1, { dependencies: { g: 'github:o/g' } }), 'node_modules/g': pkg('1.0.0', 2) }), /not a registry range/],
    ['an optional dependency the tree lacks', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1, { optionalDependencies: { fsevents: '^2' } }) }), /fsevents.*lacks/],
    ['an edge deeper down that no longer holds', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1, { dependencies: { b: '^3.0.0' } }), 'node_modules/b': pkg('2.0.0', 2) }), /b@\^3\.0\.0; the tree has 2\.0\.0/],
    ['a changed dependency also nested elsewhere', lock({ dependencies: { a: '2.0.0', c: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1), 'node_modules/c': pkg('1.0.0', 2, { dependencies: { a: '^2.0.0' } }), 'node_modules/c/node_modules/a': pkg('2.0.0', 3) }), /nested/],
    ['flags that would change', lock({ dependencies: { q: '1.0.0' } }, { 'node_modules/q': pkg('1.0.0', 1, { optional: true }) }), /flags/],
    ['npm\'s --before', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1) }), /before/, { before: new Date() }],
    ['another install strategy', lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1) }), /installStrategy/, { installStrategy: 'nested' }],
  ];
  for (const [what, plan, reason, options] of declines) {
    it(`declines ${what}, asking the registry nothing`, async () => {
      const r = await planTree(plan, noFetch, options);
      expect(r).toEqual({ declined: expect.stringMatching(reason) });
    });
  }

  it('declines a changed dependency that arrives with install scripts or needs of its own the tree can\'t meet', async () => {
    const plan = lock({ dependencies: { a: '2.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1) });
    expect(await planTree(plan, async () => manifest('a', '2.0.0', 2, { scripts: { postinstall: 'node build.js' } }))).toEqual({ declined: expect.stringMatching(/install scripts/) });
    expect(await planTree(plan, async () => manifest('a', '2.0.0', 2, { dependencies: { brand: '1.0.0' } }))).toEqual({ declined: expect.stringMatching(/brand@1\.0\.0, which the tree lacks/) });
    expect(await planTree(plan, async () => manifest('a', '2.0.0', 2, { peerDependencies: { p: '1' } }))).toEqual({ declined: expect.stringMatching(/peerDependencies/) });
    expect(await planTree(plan, async () => manifest('evil', '2.0.0', 2))).toEqual({ declined: expect.stringMatching(/answered evil for a/) });
  });
});

describe('declineRoot', () => {
  it('reads what only the package.json has: scripts Arborist runs when the tree changes, overrides, bundled dependencies', () => {
    expect(declineRoot({ dependencies: { a: '1' } }, {})).toBeNull();
    expect(declineRoot({ dependencies: { a: '1' }, scripts: { dependencies: 'node x.js' } }, {})).toMatch(/"dependencies" script/);
    expect(declineRoot({ dependencies: { a: '1' }, scripts: { start: 'node web.js', postinstall: 'node x.js' } }, {})).toBeNull();
    expect(declineRoot({ dependencies: { a: '1' }, overrides: { b: '2' } }, {})).toMatch(/overrides/);
    expect(declineRoot({ dependencies: { a: '1' }, bundleDependencies: ['a'] }, {})).toMatch(/bundleDependencies/);
    expect(declineRoot({ dependencies: { a: '1' } }, { legacyPeerDeps: true })).toMatch(/legacyPeerDeps/);
  });
});

describe('planTree, what Arborist decides that a plan alone would miss', () => {
  it('drops a package only an optional peer edge reaches (Arborist prunes it as extraneous)', async () => {
    const r = await planTree(
      lock({ dependencies: { a: '1.0.0' } }, {
        'node_modules/a': pkg('1.0.0', 1, { peerDependencies: { x: '^1.0.0' }, peerDependenciesMeta: { x: { optional: true } } }),
        'node_modules/x': pkg('1.0.0', 2, { peer: true, optional: true }),
      }),
      noFetch,
    );
    if (!('tree' in r)) throw new Error(r.declined);
    expect(Object.keys(r.tree.packages)).toEqual(['node_modules/a']);
  });

  it('declines an optional package with engines (Arborist leaves it out where Node doesn\'t meet them)', async () => {
    const plan = lock({ dependencies: { o: '1.0.0' } }, { 'node_modules/o': pkg('1.0.0', 1, { optionalDependencies: { q: '^1' } }), 'node_modules/q': pkg('1.0.0', 2, { optional: true, engines: { node: '>=99' } }) });
    expect(await planTree(plan, noFetch)).toEqual({ declined: expect.stringMatching(/optional and has engines/) });
  });

  it('declines the npm options under which Arborist ignores the plan, links no bins, records no tarball URL or forces', async () => {
    const plan = lock({ dependencies: { a: '1.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1) });
    for (const options of [{ packageLock: false }, { binLinks: false }, { omitLockfileRegistryResolved: true }, { force: true }]) {
      expect(await planTree(plan, noFetch, options), JSON.stringify(options)).toEqual({ declined: expect.stringMatching(Object.keys(options)[0]) });
    }
    expect(await planTree(plan, noFetch, { packageLock: true, binLinks: true, installStrategy: 'hoisted', replaceRegistryHost: 'npmjs' })).toHaveProperty('tree');
  });

  it('declines a changed dependency that ships a shrinkwrap; records a fetched one with the fields Arborist records', async () => {
    const plan = lock({ dependencies: { a: '2.0.0' } }, { 'node_modules/a': pkg('1.0.0', 1) });
    expect(await planTree(plan, async () => manifest('a', '2.0.0', 2, { _hasShrinkwrap: true }))).toEqual({ declined: expect.stringMatching(/shrinkwrap/) });
    const r = await planTree(plan, async () => manifest('a', '2.0.0', 2, { bin: { a: 'cli.js' }, engines: { node: '>=18' }, funding: { url: 'https://f.example' }, deprecated: 'use b', license: { type: 'ISC' }, description: 'not recorded', scripts: { test: 'x' } }));
    if (!('tree' in r)) throw new Error(r.declined);
    expect(r.tree.packages['node_modules/a']).toEqual({ version: '2.0.0', resolved: 'https://r.example/a-2.0.0.tgz', integrity: I(2), bin: { a: 'cli.js' }, engines: { node: '>=18' }, funding: { url: 'https://f.example' }, deprecated: 'use b', license: 'ISC' });
  });
});

describe('lockfileJson', () => {
  it('writes a lockfile byte for byte as npm does, whatever order its keys come in (this checkout\'s own node_modules/.package-lock.json)', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'node_modules', '.package-lock.json'), 'utf8');
    const reversed = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v);
    expect(lockfileJson(JSON.parse(text))).toBe(text);
    expect(lockfileJson(reversed(JSON.parse(text)))).toBe(text);
  });
});
