// The home's shared package store: runtime/store/<hex of the tarball's sha512>/ holds one
// package's files, unpacked once from a tarball whose integrity was checked, and each
// version's node_modules holds hard links to them. Directories are never shared, only
// files, so a version's tree stays npm's hoisted layout and can be changed (a nested
// node_modules added, a folder removed) without touching another version. Files in the
// store are read-only: a shared file must never be written through, and without write
// bits a write fails (EACCES) instead of changing every version at once. Root ignores
// the bits, so nothing that writes is ever given a shared file: packages with install
// scripts are never stored, and before any script runs during an install every linked
// file in the staging folder is replaced by a copy (reify-child.ts).
//
// An entry is complete once its folder has its final name (written under a temporary
// name, then renamed), and in use as long as one of its files has another link: pruning
// counts links, so nothing keeps a second record that a kill -9 could leave out of step.
// Everything here runs under the home's operation lock.
import { chmodSync, closeSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HomeLayout } from './home';

export function storeDir(paths: HomeLayout): string {
  return join(paths.runtime, 'store');
}

const ENTRY = /^[0-9a-f]{128}$/;

/** An entry's folder name: the tarball's sha512 in hex. Null for a package not pinned by sha512 (git, folders, sha1 only): never stored. */
export function entryName(integrity: string | null | undefined): string | null {
  const m = /(?:^|\s)sha512-([A-Za-z0-9+/]{86}==)/.exec(integrity ?? '');
  return m ? Buffer.from(m[1], 'base64').toString('hex') : null;
}

/** A temporary name inside the store; swept with the rest of an interrupted install. */
export function tempEntry(store: string, name: string): string {
  return join(store, `.tmp-${name.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
}

/**
 * Files of a package folder, relative, sorted; null if it holds anything but files and
 * folders (a tarball never does: pacote drops links). `nested` keeps out the folder's own
 * node_modules, where the packages nested under it live: they are entries of their own.
 */
export function packageFiles(dir: string, nested = true): string[] | null {
  const out: string[] = [];
  // Paths joined by hand: path.join normalizes every one of ~3000 a tree, and these need none.
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(rel ? `${dir}${sep}${rel}` : dir, { withFileTypes: true })) {
      const r = rel ? `${rel}${sep}${e.name}` : e.name;
      if (e.isDirectory()) {
        if (nested && r === 'node_modules') continue;
        if (!walk(r)) return false;
      } else if (e.isFile()) out.push(r);
      else return false;
    }
    return true;
  };
  return walk('') ? out.sort() : null;
}

/** Is this package one that may be shared? Not if installing it runs code, which may write into its own folder. */
export function shareable(dir: string): boolean {
  let pkg: { scripts?: Record<string, unknown>; bundleDependencies?: unknown; bundledDependencies?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return false;
  }
  const s = pkg.scripts ?? {};
  if (s.preinstall || s.install || s.postinstall) return false;
  // npm runs `node-gyp rebuild` for a binding.gyp even without an install script.
  try {
    statSync(join(dir, 'binding.gyp'));
    return false;
  } catch {
    // none
  }
  // Bundled dependencies come inside the tarball's node_modules, which is never shared.
  const bundled = pkg.bundleDependencies ?? pkg.bundledDependencies;
  return !(bundled === true || (Array.isArray(bundled) && bundled.length));
}

/** Makes an unpacked entry read-only (keeping execute bits; bins gain them, as npm's bin-links gives them). */
export function seal(dir: string, files: string[], bins: string[]): void {
  const exec = new Set(bins);
  for (const f of files) {
    const mode = statSync(join(dir, f)).mode & 0o777;
    chmodSync(join(dir, f), ((mode | 0o444) & ~0o222) | (exec.has(f) ? 0o555 : 0));
  }
}

/** npm-normalize-package-bin: a package.json's `bin`, as the names and files npm links. */
export type NormalizeBin = (pkg: object) => { bin?: Record<string, string> };

/** The files a package's bins point at, relative to its folder. */
export function binFiles(pkg: Record<string, unknown>, normalizeBin: NormalizeBin): string[] {
  return Object.values(normalizeBin({ ...pkg }).bin ?? {}).map((b) => normalize(b));
}

/** Does this file start with a `#!` line ending in CRLF? bin-links' own test (lib/fix-bin.js): the first 2048 bytes. */
export function crlfShebang(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(2048);
    readSync(fd, buf, 0, 2048, 0);
    return buf[0] === 0x23 && buf[1] === 0x21 && /^#![^\n]+\r\n/.test(buf.toString());
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Adds an entry unpacked by `extract` (pacote checking the tarball against its integrity)
 * under a temporary name, sealed, then renamed. False, with nothing left behind, when the
 * tarball can't be had or the package may not be shared: install code, bundled
 * dependencies, anything but files, or a bin bin-links would rewrite (a CRLF shebang line).
 */
export async function addEntryFromTarball(store: string, name: string, extract: (dest: string) => Promise<unknown>, normalizeBin: NormalizeBin): Promise<boolean> {
  if (existsSync(join(store, name))) return true;
  const tmp = tempEntry(store, name);
  try {
    await extract(tmp);
    const files = shareable(tmp) ? packageFiles(tmp) : null;
    const pkg = files ? (JSON.parse(readFileSync(join(tmp, 'package.json'), 'utf8')) as Record<string, unknown>) : null;
    const bins = pkg ? binFiles(pkg, normalizeBin) : [];
    if (!files || !pkg || bins.some((b) => !files.includes(b) || crlfShebang(join(tmp, b)))) return false;
    seal(tmp, files, bins);
    renameSync(tmp, join(store, name));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Same files, same bytes (modes aside: an entry is sealed read-only). */
export function sameFiles(a: string, b: string): boolean {
  const fa = packageFiles(a);
  const fb = packageFiles(b);
  if (!fa || !fb || fa.length !== fb.length || fa.some((f, i) => f !== fb[i])) return false;
  for (const f of fa) {
    const sa = statSync(join(a, f));
    const sb = statSync(join(b, f));
    if (sa.size !== sb.size) return false;
    if (sa.ino === sb.ino && sa.dev === sb.dev) continue;
    if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) return false;
  }
  return true;
}

/** Builds `dest` (absent or holding only nested packages) as folders of its own with links to the entry's files. */
export function linkEntry(entry: string, files: string[], dest: string): void {
  mkdirSync(dest, { recursive: true });
  // Each folder once, parents first, without `recursive` (which stats its way up on every call): ~3000 files sit in ~400 folders.
  const made = new Set<string>(['.']);
  const make = (dir: string): void => {
    if (made.has(dir)) return;
    make(dirname(dir));
    try {
      mkdirSync(`${dest}${sep}${dir}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    made.add(dir);
  };
  for (const f of files) {
    const slash = f.lastIndexOf(sep);
    if (slash > 0) make(f.slice(0, slash));
    linkSync(`${entry}${sep}${f}`, `${dest}${sep}${f}`);
  }
}

/** Replaces each file of `dir` by a link to the entry's same file; each swap is a rename, so the folder is whole at every instant. */
export function relink(entry: string, files: string[], dir: string): void {
  for (const f of files) {
    const tmp = `${join(dir, f)}.anima-link`;
    rmSync(tmp, { force: true });
    linkSync(join(entry, f), tmp);
    renameSync(tmp, join(dir, f));
  }
}

/** Gives `dir` its own copy of every file it shares, writable as an unpacked file is; returns how many. */
export function unshare(dir: string): number {
  let n = 0;
  for (const f of packageFiles(dir) ?? []) {
    const file = join(dir, f);
    const st = lstatSync(file);
    if (st.nlink < 2) continue;
    const tmp = `${file}.anima-copy`;
    rmSync(tmp, { force: true });
    copyFileSync(file, tmp);
    chmodSync(tmp, (st.mode & 0o777) | 0o200);
    renameSync(tmp, file);
    n++;
  }
  return n;
}

function inUse(entry: string): boolean {
  const walk = (dir: string): boolean => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() ? walk(p) : lstatSync(p).nlink > 1) return true;
    }
    return false;
  };
  return walk(entry);
}

/** Interrupted writes and removals in the store: temporaries and trash. */
export function sweepStore(paths: HomeLayout): string[] {
  const store = storeDir(paths);
  let names: string[];
  try {
    names = readdirSync(store);
  } catch {
    return [];
  }
  const swept = names.filter((n) => n.startsWith('.tmp-') || n.startsWith('.trash-')).map((n) => join(store, n));
  for (const p of swept) rmSync(p, { recursive: true, force: true });
  return swept;
}

/**
 * Removes the entries no version links to any more (after pruning, or after a staging
 * folder was swept). An entry whose files are linked from outside the home (a backup
 * made with `cp -a`) counts as used: a leak, never a loss.
 */
export function collectStore(paths: HomeLayout): string[] {
  const store = storeDir(paths);
  sweepStore(paths);
  let names: string[];
  try {
    names = readdirSync(store);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!ENTRY.test(n) || inUse(join(store, n))) continue;
    // Out of the store's namespace first: an install must never find half an entry under its name.
    const aside = join(store, `.trash-${n.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    renameSync(join(store, n), aside);
    rmSync(aside, { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}
