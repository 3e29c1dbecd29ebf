// Our large bundles (npm's engine, pacote, the CLI's commands: 0.3 to 3 MB each) loaded
// with V8's code cache, as Node 22's module.enableCompileCache() does (Node 20, which we
// support, has none). Parsing and compiling them is most of what a short-lived process
// (the CLI, the dependency installer, the registry worker) spends before its real work:
// npm's engine takes about 210 ms to require, 80 ms from the cache.
//
// The cache is made once per bundle, Node and V8 flags, when the first process that loaded
// it exits: by then it also holds the functions that process compiled lazily, so the next
// one skips their compilation too.
//
// What V8 is handed decides what runs, and V8 checks little of it (its version, flags and
// the source's length, not the bytes): so the folder must be the user's alone (a folder
// another user can write into is not used), each file is named by a hash of the bundle's
// bytes, written whole under a temporary name then renamed, and carries a hash of its
// payload that is checked before V8 sees it. Any doubt, and the bundle loads the plain way.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

const MAGIC = Buffer.from('ANIMAV8\n');
const DIGEST = 32;
const KEEP = 3;

/**
 * Where code caches live: ANIMA_CODE_CACHE (a folder, or `off`), else the platform's
 * cache folder for the user. Not the Anima home: this is derived from our code, not the
 * user's data, and one cache serves every home.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  // Not in the app's own Electron process: there code runs as the signed app, whose fuses keep out code from outside
  // it; what it loads from a bundle is rare enough to compile each time. (Its Node children use the cache.)
  if ((process as { type?: string }).type === 'browser') return null;
  const set = env.ANIMA_CODE_CACHE;
  if (set === 'off' || set === '0') return null;
  if (set) return set;
  const home = env.HOME || env.USERPROFILE || homedir();
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'anima-desktop', 'Cache', 'code');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'anima-desktop', 'code');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'anima-desktop', 'code');
}

const checked = new Map<string, string | null>();

/** The folder, made if missing, if it is a real folder only this user can write into; else null. Checked once a process. */
function privateDir(dir: string): string | null {
  if (!checked.has(dir)) checked.set(dir, checkDir(dir));
  return checked.get(dir)!;
}

function checkDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) return null;
    // Windows: a folder under LOCALAPPDATA is the user's by its ACL; POSIX: check owner and bits.
    if (process.platform !== 'win32' && (st.uid !== process.getuid!() || (st.mode & 0o022) !== 0)) return null;
    return dir;
  } catch {
    return null;
  }
}

const digest = (b: Buffer | string) => createHash('sha256').update(b).digest();

/**
 * The cache's payload if the file is ours and whole, else null. The file itself is checked,
 * through the descriptor it is read from: whoever controls a folder above ours could swap
 * folders between a check of the folder and the read, but can't make a file this user owns.
 */
function readPayload(file: string): Buffer | null {
  let data: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || (process.platform !== 'win32' && (st.uid !== process.getuid!() || (st.mode & 0o022) !== 0))) return null;
    data = readFileSync(fd);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const head = MAGIC.length + DIGEST;
  if (data.length <= head || !data.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const payload = data.subarray(head);
  return digest(payload).equals(data.subarray(MAGIC.length, head)) ? payload : null;
}

function writePayload(file: string, payload: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([MAGIC, digest(payload), payload]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * Caches of the same bundle for this Node and these flags (`suffix`), beyond the newest
 * few: older builds. A few, not one, so that two copies of the app on one machine (a
 * checkout and an installed app) don't replace each other's cache at every start.
 */
function removeOlder(dir: string, prefix: string, suffix: string): void {
  try {
    const mine = readdirSync(dir)
      .filter((n) => n.startsWith(prefix) && n.endsWith(suffix))
      .map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { n } of mine.slice(KEEP)) rmSync(join(dir, n), { force: true });
  } catch {
    // a cache: leftovers cost only disk
  }
}

/**
 * `require(file)` of a CommonJS bundle, compiled with its code cache when there is one,
 * and leaving one behind when there was none (or V8 turned it down). The module lands in
 * require.cache like any other, so a plain `require` of the same file later gets it.
 */
export function requireBundle(file: string, env: NodeJS.ProcessEnv = process.env): unknown {
  const loaded = require.cache[file];
  if (loaded) return loaded.exports;
  const dir = codeCacheDir(env);
  const usable = dir ? privateDir(dir) : null;
  if (!usable) return createRequire(__filename)(file);

  const source = readFileSync(file, 'utf8');
  // node:v8 takes 3 ms to load: only what loads a bundle pays for it (the CLI's front for `status` doesn't).
  const tag = (require('node:v8') as typeof import('node:v8')).cachedDataVersionTag();
  const prefix = `${basename(file)}-`;
  // V8's tag stands for its version, its flags and the CPU's features: a cache is valid for those only.
  const suffix = `-${tag}.v8`;
  // The path too: V8 keeps the file name it compiled under in the cache, and stack traces would name a copy elsewhere.
  const name = `${prefix}${digest(`${file}\n${source}`).toString('hex').slice(0, 20)}${suffix}`;
  const cacheFile = join(usable, name);
  const cachedData = readPayload(cacheFile) ?? undefined;
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  require.cache[file] = mod;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  mod.loaded = true;
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      writePayload(cacheFile, script.createCachedData());
      removeOlder(usable, prefix, suffix);
    });
  }
  return mod.exports;
}
