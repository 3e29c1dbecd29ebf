// Bundles loaded with V8's code cache (core/code-cache.ts), in real processes: the cache is
// written when a process exits, so only a second process can tell whether it was taken.
// What V8 is handed decides what runs, so most of this is about the cases where no cache
// must be used or written (a folder others can write into, a symlink, a damaged file) and
// the bundle must still load the plain way.
//
// The module is never changed to report what it did: whether a cache was used is read
// from the file system. A cache that is accepted is left alone (same inode, same mtime);
// one that is missing, damaged or turned down by V8 is replaced by a new file (a rename:
// a new inode).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { codeCacheDir } from '../../main/core/code-cache';
import { REPO } from '../helpers/world';

const MAGIC = Buffer.from('ANIMAV8\n');
const HEAD = MAGIC.length + 32;
const POSIX = process.platform !== 'win32';

let tmp: string;
let built: string;
let runner: string;
let n = 0;

beforeAll(() => {
  // Real path: require.cache is keyed by real paths, and the runner compares what a plain
  // require returns with what requireBundle did (macOS's tmpdir is behind a symlink).
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'anima-code-cache-')));
  // A child process cannot load our TypeScript, and dist/ has code-cache.ts only inside
  // bundles that don't export it: so it is bundled on its own, the way build.mjs does.
  built = join(tmp, 'code-cache.cjs');
  buildSync({ entryPoints: [join(REPO, 'main', 'core', 'code-cache.ts')], outfile: built, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  // Loads the fixture as our bundles are loaded, then reports what a caller would see, and
  // what was in the cache folder before exit (the cache must be written at exit, once the
  // functions the process compiled lazily are in it too).
  runner = join(tmp, 'runner.cjs');
  writeFileSync(
    runner,
    `const { readdirSync } = require('node:fs');
const { requireBundle } = require(process.argv[2]);
const fixture = process.argv[3];
const ls = (d) => { try { return readdirSync(d).sort(); } catch { return null; } };
const dir = process.env.ANIMA_CODE_CACHE;
let report;
try {
  const m = requireBundle(fixture, process.env);
  report = {
    variant: m.variant, answer: m.answer, sum: m.sum(2, 3), total: m.total, helper: m.helper,
    filename: m.filename, dirname: m.dirname, inCacheWhileLoading: m.inCacheWhileLoading, stackNamesFile: m.stackNamesFile,
    loads: globalThis.__fixtureLoads,
    samePlain: require(fixture) === m,
    sameAgain: requireBundle(fixture, process.env) === m,
  };
} catch (e) {
  report = { error: e.message, inCache: fixture in require.cache };
}
report.tag = require('node:v8').cachedDataVersionTag();
report.filesBeforeExit = dir ? ls(dir) : null;
process.stdout.write(JSON.stringify(report));
`,
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Report {
  variant?: string;
  answer?: number;
  sum?: number;
  total?: number;
  helper?: string;
  filename?: string;
  dirname?: string;
  inCacheWhileLoading?: boolean;
  stackNamesFile?: boolean;
  loads?: number;
  samePlain?: boolean;
  sameAgain?: boolean;
  error?: string;
  inCache?: boolean;
  tag: number;
  filesBeforeExit: string[] | null;
}

/**
 * A bundle's source: a couple of thousand small functions (~200 KB), some run at load and
 * the rest left for V8 to compile lazily, so that the cache is a real one. `variant` changes
 * its bytes and, by its length, its length (V8 checks the length of the source, not its bytes).
 */
function fixtureSource(variant: string): string {
  const fns: string[] = [];
  for (let i = 0; i < 2000; i++) fns.push(`function f${i}(x) { const y = x * ${i} + ${i % 13}; return y > ${i} ? y - ${i} : y + ${variant.length}; }`);
  return `'use strict';
globalThis.__fixtureLoads = (globalThis.__fixtureLoads || 0) + 1;
const helper = require('./helper.cjs');
${fns.join('\n')}
const fns = [${fns.map((_, i) => `f${i}`).join(', ')}];
let total = 0;
for (let i = 0; i < fns.length; i += 7) total += fns[i](i);
module.exports = {
  variant: ${JSON.stringify(variant)},
  answer: 42,
  sum: (a, b) => a + b,
  total,
  helper: helper.name,
  filename: __filename,
  dirname: __dirname,
  inCacheWhileLoading: require.cache[__filename] === module,
  // Stack traces name the bundle's file, not V8's 'evalmachine.<anonymous>'.
  stackNamesFile: String(new Error().stack).split('\\n')[1].includes(__filename),
};
`;
}

/** What the fixture's `total` must be for this variant: computed here, not by the code under test. */
function expectedTotal(variant: string): number {
  let total = 0;
  for (let i = 0; i < 2000; i += 7) {
    const y = i * i + (i % 13);
    total += y > i ? y - i : y + variant.length;
  }
  return total;
}

/** A fresh folder with the fixture bundle (and a file it requires beside it); the cache folder is not made. */
function setup(variant = 'A'): { root: string; fixture: string; cache: string } {
  const root = join(tmp, `case-${++n}`);
  mkdirSync(root);
  writeFileSync(join(root, 'helper.cjs'), `module.exports = { name: 'helper' };\n`);
  const fixture = join(root, 'fixture.cjs');
  writeFileSync(fixture, fixtureSource(variant));
  return { root, fixture, cache: join(root, 'cache', 'code') };
}

/** Runs the fixture through requireBundle in a new process; `cache` is ANIMA_CODE_CACHE (undefined: unset). */
function run(fixture: string, cache: string | undefined, extraEnv: NodeJS.ProcessEnv = {}): Promise<Report> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  // Whatever the machine running the tests has set must not decide where caches go.
  delete env.ANIMA_CODE_CACHE;
  if (cache !== undefined) env.ANIMA_CODE_CACHE = cache;
  return new Promise((resolve, reject) => {
    // Run from the bundle's folder: a relative ANIMA_CODE_CACHE would land beside it, where a test can see it.
    const child = spawn(process.execPath, [runner, built, fixture], { cwd: dirname(fixture), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    // 'close', not 'exit': the cache is written in an exit handler, and the pipes close after it.
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`runner exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as Report);
      } catch {
        reject(new Error(`runner printed no report: ${out}\n${err}`));
      }
    });
  });
}

/** The name requireBundle must give the cache of `fixture` as it is now: computed independently. */
function cacheName(fixture: string, tag: number): string {
  const hash = createHash('sha256').update(`${fixture}\n${readFileSync(fixture, 'utf8')}`).digest('hex').slice(0, 20);
  return `${basename(fixture)}-${hash}-${tag}.v8`;
}

/** A cache file whose header is ours and whose hash matches its payload. */
function isWhole(file: string): boolean {
  const data = readFileSync(file);
  if (data.length <= HEAD || !data.subarray(0, MAGIC.length).equals(MAGIC)) return false;
  return createHash('sha256').update(data.subarray(HEAD)).digest().equals(data.subarray(MAGIC.length, HEAD));
}

/** What shows whether a file was left alone: a rewrite is a rename onto it, so a new inode and mtime. */
function identity(file: string): { ino: number; mtimeMs: number; sha: string } {
  const st = statSync(file);
  return { ino: st.ino, mtimeMs: st.mtimeMs, sha: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const ls = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

/** The fixture's exports as they must be whatever happened to the cache. */
function expectLoaded(r: Report, fixture: string, variant = 'A'): void {
  expect(r.error).toBeUndefined();
  expect(r).toMatchObject({
    variant,
    answer: 42,
    sum: 5,
    total: expectedTotal(variant),
    helper: 'helper',
    filename: fixture,
    dirname: dirname(fixture),
    inCacheWhileLoading: true,
    stackNamesFile: true,
    loads: 1,
    samePlain: true,
    sameAgain: true,
  });
}

describe('codeCacheDir', () => {
  it('ANIMA_CODE_CACHE names the folder on every platform, and `off` or `0` turns the cache off', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(codeCacheDir({ ANIMA_CODE_CACHE: '/x/cache', HOME: '/home/u', XDG_CACHE_HOME: '/xdg', LOCALAPPDATA: 'C:\\L' }, platform), platform).toBe('/x/cache');
      expect(codeCacheDir({ ANIMA_CODE_CACHE: 'off', HOME: '/home/u' }, platform), platform).toBeNull();
      expect(codeCacheDir({ ANIMA_CODE_CACHE: '0', HOME: '/home/u' }, platform), platform).toBeNull();
    }
    // Set but empty, as `ANIMA_CODE_CACHE= animactl` leaves it: the default, not a folder named ''.
    expect(codeCacheDir({ ANIMA_CODE_CACHE: '', HOME: '/home/u' }, 'linux')).toBe(join('/home/u', '.cache', 'anima-desktop', 'code'));
  });

  it('Linux: XDG_CACHE_HOME, else ~/.cache', () => {
    expect(codeCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' }, 'linux')).toBe(join('/xdg', 'anima-desktop', 'code'));
    expect(codeCacheDir({ HOME: '/home/u' }, 'linux')).toBe(join('/home/u', '.cache', 'anima-desktop', 'code'));
    // No HOME in the environment (a service manager's bare one): the account's home.
    expect(codeCacheDir({}, 'linux')).toBe(join(homedir(), '.cache', 'anima-desktop', 'code'));
  });

  it('macOS: ~/Library/Caches, whatever XDG_CACHE_HOME says', () => {
    expect(codeCacheDir({ HOME: '/Users/u', XDG_CACHE_HOME: '/xdg' }, 'darwin')).toBe(join('/Users/u', 'Library', 'Caches', 'anima-desktop', 'code'));
  });

  it('Windows: LOCALAPPDATA (not the roaming profile), else the profile\'s AppData\\Local', () => {
    expect(codeCacheDir({ USERPROFILE: 'C:\\Users\\u', LOCALAPPDATA: 'D:\\Local', APPDATA: 'E:\\Roaming' }, 'win32')).toBe(join('D:\\Local', 'anima-desktop', 'Cache', 'code'));
    expect(codeCacheDir({ USERPROFILE: 'C:\\Users\\u' }, 'win32')).toBe(join('C:\\Users\\u', 'AppData', 'Local', 'anima-desktop', 'Cache', 'code'));
  });
});

describe('requireBundle, in real processes', () => {
  it('the first process loads the bundle as a plain module would and leaves, at exit, one private cache named for the bundle, its bytes and V8', async () => {
    const { fixture, cache } = setup();
    const r = await run(fixture, cache);
    expectLoaded(r, fixture);
    // Made before loading (it has to be checked), but the cache written only at exit.
    expect(r.filesBeforeExit).toEqual([]);
    expect(ls(cache)).toEqual([cacheName(fixture, r.tag)]);
    const file = join(cache, cacheName(fixture, r.tag));
    expect(isWhole(file)).toBe(true);
    // A real cache, not an empty payload: V8 had compiled ~200 KB of functions.
    expect(statSync(file).size).toBeGreaterThan(HEAD + 10_000);
    if (POSIX) {
      expect(mode(cache)).toBe('700');
      expect(mode(file)).toBe('600');
    }
  });

  it('the next process takes the cache: the file is left exactly as it was (V8 accepted it)', async () => {
    const { fixture, cache } = setup();
    const first = await run(fixture, cache);
    const file = join(cache, cacheName(fixture, first.tag));
    const before = identity(file);
    for (let i = 0; i < 2; i++) {
      expectLoaded(await run(fixture, cache), fixture);
      expect(identity(file)).toEqual(before);
    }
    expect(ls(cache)).toEqual([basename(file)]);
  });

  it('a damaged cache file is never handed to V8: the bundle loads plainly and the file is replaced by a whole one', async () => {
    const { fixture, cache } = setup();
    const { tag } = await run(fixture, cache);
    const file = join(cache, cacheName(fixture, tag));
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] ^= 0xff;
    const damaged: [string, Buffer][] = [
      // A flipped bit in what V8 would run: V8 itself would not notice.
      ['a byte of the payload changed', flipped],
      ['cut short, to the header', good.subarray(0, HEAD)],
      ['cut in the middle of the payload', good.subarray(0, HEAD + 100)],
      ['not our header', Buffer.concat([Buffer.from('ANIMAV9\n'), good.subarray(MAGIC.length)])],
    ];
    for (const [what, bytes] of damaged) {
      writeFileSync(file, bytes);
      const damagedIno = statSync(file).ino;
      expectLoaded(await run(fixture, cache), fixture);
      expect(isWhole(file), what).toBe(true);
      expect(statSync(file).ino, what).not.toBe(damagedIno);
      // ...and the new one is taken by the process after.
      const rewritten = identity(file);
      expectLoaded(await run(fixture, cache), fixture);
      expect(identity(file), what).toEqual(rewritten);
    }
    expect(ls(cache)).toEqual([basename(file)]);
  });

  it('a whole cache that V8 turns down (made for another source, of another length) is replaced', async () => {
    const { fixture, cache } = setup('A');
    const { tag } = await run(fixture, cache);
    const other = join(cache, cacheName(fixture, tag));
    // The same bundle, changed: its cache is planted under the name the new source will look for.
    writeFileSync(fixture, fixtureSource('BBBB'));
    const file = join(cache, cacheName(fixture, tag));
    copyFileSync(other, file);
    const plantedIno = statSync(file).ino;
    expectLoaded(await run(fixture, cache), fixture, 'BBBB');
    expect(isWhole(file)).toBe(true);
    expect(statSync(file).ino).not.toBe(plantedIno);
    expect(readFileSync(file).equals(readFileSync(other))).toBe(false);
    const rewritten = identity(file);
    expectLoaded(await run(fixture, cache), fixture, 'BBBB');
    expect(identity(file)).toEqual(rewritten);
  });

  it('a changed bundle gets a cache of its own, and only the newest 3 of that bundle and V8 are kept', async () => {
    const { root, fixture, cache } = setup('v1');
    const { tag } = await run(fixture, cache);
    // Not this bundle's, or made by another V8: never removed with this bundle's old caches,
    // though they are the oldest files in the folder.
    const foreign = [`npm-engine.cjs-${'a'.repeat(20)}-${tag}.v8`, `fixture.cjs-${'b'.repeat(20)}-${tag + 1}.v8`];
    for (const f of foreign) {
      writeFileSync(join(cache, f), 'x', { mode: 0o600 });
      utimesSync(join(cache, f), new Date(2000, 0, 1), new Date(2000, 0, 1));
    }
    const names = [cacheName(fixture, tag)];
    for (const v of ['v2', 'v3', 'v4', 'v5']) {
      writeFileSync(fixture, fixtureSource(v));
      expectLoaded(await run(fixture, cache), fixture, v);
      names.push(cacheName(fixture, tag));
      expect(new Set(names).size, 'each source has its own name').toBe(names.length);
      expect(ls(cache)).toEqual([...foreign, ...names.slice(-3)].sort());
    }
    // The same bytes at another path are another cache: V8 keeps the file name it compiled under.
    const moved = join(root, 'moved');
    mkdirSync(moved);
    copyFileSync(fixture, join(moved, 'fixture.cjs'));
    copyFileSync(join(root, 'helper.cjs'), join(moved, 'helper.cjs'));
    expectLoaded(await run(join(moved, 'fixture.cjs'), cache), join(moved, 'fixture.cjs'), 'v5');
    expect(ls(cache)).toContain(cacheName(join(moved, 'fixture.cjs'), tag));
  });

  it('a bundle that throws: the caller gets the error, require.cache does not keep the half-loaded module, and no cache is written', async () => {
    const { fixture, cache } = setup();
    writeFileSync(fixture, `${fixtureSource('A')}\nthrow new Error('broken bundle');\n`);
    const r = await run(fixture, cache);
    expect(r).toMatchObject({ error: 'broken bundle', inCache: false });
    expect(ls(cache)).toEqual([]);
  });

  describe('where the cache goes', () => {
    /** A sandboxed home: where the cache would go by default, on every platform. */
    function homeEnv(root: string): NodeJS.ProcessEnv {
      const home = join(root, 'home');
      mkdirSync(home, { recursive: true });
      // XDG_CACHE_HOME undefined, not absent: it overrides the one this process may have (spawn drops undefined).
      return { HOME: home, USERPROFILE: home, XDG_CACHE_HOME: undefined, LOCALAPPDATA: join(home, 'AppData', 'Local') };
    }

    it('without ANIMA_CODE_CACHE: the platform\'s cache folder for the user', async () => {
      const { root, fixture } = setup();
      const env = homeEnv(root);
      const r = await run(fixture, undefined, env);
      expectLoaded(r, fixture);
      expect(ls(codeCacheDir(env, process.platform)!)).toEqual([cacheName(fixture, r.tag)]);
    });

    it('ANIMA_CODE_CACHE=off or 0: plain require, nothing written anywhere', async () => {
      for (const off of ['off', '0']) {
        const { root, fixture } = setup();
        const env = homeEnv(root);
        expectLoaded(await run(fixture, off, env), fixture);
        expect(ls(env.HOME!), off).toEqual([]);
        // Nor a folder named after the value, relative to wherever the process ran.
        expect(existsSync(join(root, off)), off).toBe(false);
        expect(ls(root), off).toEqual(['fixture.cjs', 'helper.cjs', 'home']);
      }
    });
  });

  // What V8 runs comes from this folder: one another user can write into is not used at all.
  // Windows has no mode bits (a folder under LOCALAPPDATA is the user's by its ACL).
  describe.skipIf(!POSIX)('a folder that is not the user\'s alone is not used', () => {
    it('writable by group or others: plain require, nothing written; the same folder made private is used', async () => {
      for (const bits of [0o777, 0o770, 0o702]) {
        const { fixture, cache } = setup();
        mkdirSync(cache, { recursive: true });
        chmodSync(cache, bits);
        expectLoaded(await run(fixture, cache), fixture);
        expect(ls(cache), bits.toString(8)).toEqual([]);
      }
      // Readable by others is fine: only who can write decides what V8 is handed.
      const { fixture, cache } = setup();
      mkdirSync(cache, { recursive: true });
      chmodSync(cache, 0o755);
      const r = await run(fixture, cache);
      expectLoaded(r, fixture);
      expect(ls(cache)).toEqual([cacheName(fixture, r.tag)]);
    });

    it('a planted cache in a folder others can write into is not read', async () => {
      const { fixture, cache } = setup('A');
      const { tag } = await run(fixture, cache);
      const file = join(cache, cacheName(fixture, tag));
      // A damaged cache would be replaced if the folder were used: left as it is, the folder wasn't.
      writeFileSync(file, 'planted');
      chmodSync(cache, 0o777);
      expectLoaded(await run(fixture, cache), fixture);
      expect(readFileSync(file, 'utf8')).toBe('planted');
    });

    it('a symlink as the folder: nothing written through it, though its target alone would be used', async () => {
      const { root, fixture } = setup();
      const target = join(root, 'target');
      mkdirSync(target, { mode: 0o700 });
      chmodSync(target, 0o700);
      const link = join(root, 'link');
      symlinkSync(target, link);
      expectLoaded(await run(fixture, link), fixture);
      expect(ls(target)).toEqual([]);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      const r = await run(fixture, target);
      expectLoaded(r, fixture);
      expect(ls(target)).toEqual([cacheName(fixture, r.tag)]);
    });

    it('a file where the folder should be: plain require, the file untouched', async () => {
      const { fixture, cache } = setup();
      mkdirSync(join(cache, '..'), { recursive: true });
      writeFileSync(cache, 'not a folder');
      expectLoaded(await run(fixture, cache), fixture);
      expect(readFileSync(cache, 'utf8')).toBe('not a folder');
    });

    // Only root can give a folder to another user; mode 0700 so that the owner is the only reason.
    it.runIf(process.getuid?.() === 0)('owned by another user (even with mode 0700): plain require, nothing written', async () => {
      const { fixture, cache } = setup();
      mkdirSync(cache, { recursive: true, mode: 0o700 });
      chmodSync(cache, 0o700);
      chownSync(cache, 65534, 65534);
      expectLoaded(await run(fixture, cache), fixture);
      expect(ls(cache)).toEqual([]);
    });

    // The file itself is checked through the descriptor it is read from: whoever controls a folder above could swap
    // folders between the folder's check and the read, but can't make a file this user owns. Or one writable by others.
    it.runIf(process.getuid?.() === 0)('a cache file owned by another user, or writable by others, is not read, and is replaced', async () => {
      const { fixture, cache } = setup();
      const { tag } = await run(fixture, cache);
      const file = join(cache, cacheName(fixture, tag));
      for (const [what, spoil] of [
        ['owned by another user', () => chownSync(file, 65534, 65534)],
        ['writable by others', () => chmodSync(file, 0o606)],
      ] as const) {
        spoil();
        const spoiled = statSync(file).ino;
        expectLoaded(await run(fixture, cache), fixture);
        expect(statSync(file).ino, what).not.toBe(spoiled);
        expect(statSync(file).uid, what).toBe(0);
        expect(statSync(file).mode & 0o777, what).toBe(0o600);
      }
    });
  });
});
