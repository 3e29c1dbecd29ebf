// Lays out a planned tree (planned-tree.ts) from the home's package store, without Arborist:
// what Arborist's reify would leave in the staging folder, made of links to the store.
//
// 1. entries: every package of the tree must have its store entry; one missing (a changed
//    dependency) is unpacked into the store from its tarball, checked against its integrity
//    by pacote. A package that can't be had or shared declines the whole layout before the
//    staging folder is touched, and Arborist installs instead;
// 2. folders: each package's folder made of links to its entry's files (package-store.ts);
// 3. bins: node_modules/.bin links beside each package, as bin-links makes them;
// 4. npm's record of the tree (node_modules/.package-lock.json), written last so that it is
//    the newest thing in node_modules, as Arborist requires to trust it, and so that the
//    next version can be planned from this one.
//
// No install code runs: the plan holds none (planned-tree.ts declines it).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { LockEntry } from './previous-lock';
import type { PlannedTree } from './planned-tree';
import type { StoreStats } from './reify-child';
import { addEntryFromTarball, entryName, linkEntry, packageFiles, type NormalizeBin } from './package-store';

export interface LayoutInput {
  /** The staging folder: the new version's own files, no node_modules yet. */
  stage: string;
  store: string;
  tree: PlannedTree;
  /** Unpacks a package's tarball into `dest`, checked against the entry's integrity (pacote.extract). */
  extract: (entry: LockEntry, dest: string) => Promise<unknown>;
  normalizeBin: NormalizeBin;
  /** How many packages are in place, as they are laid out. */
  onProgress?: (p: { done: number; total: number }) => void;
}

export type LayoutResult = { stats: StoreStats } | { declined: string };

interface Placed {
  loc: string;
  entry: string;
  files: string[];
  pkg: Record<string, unknown>;
}

export async function layoutPlanned(input: LayoutInput): Promise<LayoutResult> {
  const { stage, store, tree } = input;
  const locs = Object.keys(tree.packages);
  const stats: StoreStats = { seeded: 0, unshared: 0, stored: 0, reread: 0, linked: 0, own: 0, withoutArborist: true };

  // 1. entries, all of them before anything is laid out: a decline leaves the staging folder as it was.
  // A package that brings a node_modules of its own is a tree Arborist has to reconcile.
  if (existsSync(join(stage, 'node_modules'))) return { declined: 'the package has a node_modules folder of its own' };
  mkdirSync(store, { recursive: true });
  const names = new Map<string, string>();
  for (const loc of locs) {
    const name = entryName(tree.packages[loc].integrity as string);
    if (!name) return { declined: `${loc} is not pinned by a sha512 integrity` };
    names.set(loc, name);
  }
  const missing = [...new Set(locs.filter((loc) => !existsSync(join(store, names.get(loc)!))).map((loc) => names.get(loc)!))];
  const fresh = new Set<string>();
  const byName = new Map(locs.map((loc) => [names.get(loc)!, { loc, entry: tree.packages[loc] }]));
  let failed: string | null = null;
  await Promise.all(Array.from({ length: Math.min(8, missing.length) }, async () => {
    for (let name = missing.shift(); name && !failed; name = missing.shift()) {
      const { loc, entry } = byName.get(name)!;
      if (await addEntryFromTarball(store, name, (dest) => input.extract(entry, dest), input.normalizeBin)) fresh.add(name);
      // The location, not the tarball URL: a registry may put credentials in it, and the reason is recorded.
      else failed = `${loc}@${String(entry.version)} could not be added to the store`;
    }
  }));
  if (failed) return { declined: failed };
  const placed: Placed[] = [];
  for (const loc of locs) {
    const entry = join(store, names.get(loc)!);
    const want = tree.packages[loc];
    const pkg = readJson(join(entry, 'package.json'));
    const files = pkg ? packageFiles(entry) : null;
    if (!pkg || !files || pkg.name !== nameAt(loc) || pkg.version !== want.version) return { declined: `the store's entry for ${loc} is not ${nameAt(loc)}@${want.version}` };
    if ((pkg.directories as { bin?: unknown } | undefined)?.bin && !pkg.bin) return { declined: `${loc} declares its bins by directory` };
    placed.push({ loc, entry, files, pkg });
  }

  // 2. folders, parents before the packages nested in them: Arborist's order (rebuild.js sortNodes: depth, then path), which
  // also decides which of two packages with one bin name gets it.
  const total = placed.length;
  placed.sort((a, b) => depthOf(a.loc) - depthOf(b.loc) || collator.compare(a.loc, b.loc));
  for (const [i, p] of placed.entries()) {
    linkEntry(p.entry, p.files, join(stage, p.loc));
    if (fresh.has(names.get(p.loc)!)) stats.linked++;
    else stats.seeded++;
    if (i % 32 === 31) input.onProgress?.({ done: i + 1, total });
  }
  stats.stored = fresh.size;

  // 3. bins, as bin-links links them: in the node_modules that holds the package, none for a file the package lacks, and
  // of two packages with one bin name, the first in that order keeps it.
  for (const p of placed) {
    const bins = input.normalizeBin({ ...p.pkg }).bin ?? {};
    const binDir = join(stage, p.loc.slice(0, p.loc.lastIndexOf('node_modules/') + 'node_modules'.length), '.bin');
    const files = new Set(p.files.map((f) => f.split(sep).join('/')));
    for (const [name, target] of Object.entries(bins)) {
      if (!files.has(target)) continue;
      mkdirSync(binDir, { recursive: true });
      try {
        symlinkSync(relative(binDir, join(stage, p.loc, target)), join(binDir, name));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  // 4. npm's record of the tree, last.
  // As Arborist writes it for a staging folder: no name or version of the root, which lives elsewhere.
  const lock = { lockfileVersion: 3, requires: true, packages: tree.packages };
  writeFileSync(join(stage, 'node_modules', '.package-lock.json'), lockfileJson(lock));
  input.onProgress?.({ done: total, total });
  return { stats };
}

function nameAt(loc: string): string {
  return loc.slice(loc.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const collator = new Intl.Collator('en');

/** A package's depth in the tree, as Arborist's Node counts it: 1 at the top, one more for each node_modules it is nested in. */
function depthOf(loc: string): number {
  return loc.split('node_modules/').length - 1;
}

// Arborist's shrinkwrap.js swKeyOrder: these keys first, at every level, in this order.
const LOCK_KEY_ORDER = ['name', 'version', 'lockfileVersion', 'resolved', 'integrity', 'requires', 'packages', 'dependencies'];

/**
 * A lockfile as Arborist writes it (json-stringify-nice with its key order): in every object,
 * the preferred keys first, then the other plain values, then the objects, each group in
 * 'en' order; two spaces; a final newline.
 */
export function lockfileJson(data: unknown): string {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  const rank = (k: string) => LOCK_KEY_ORDER.indexOf(k);
  const compare = (a: string, b: string) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra >= 0 || rb >= 0) return ra < 0 ? 1 : rb < 0 ? -1 : ra - rb;
    return collator.compare(a, b);
  };
  return `${JSON.stringify(data, (_key, value: unknown) => {
    if (!isObj(value)) return value;
    const entries = Object.entries(value).sort(([ak, av], [bk, bv]) => (isObj(av) === isObj(bv) ? compare(ak, bk) : isObj(av) ? 1 : -1));
    return Object.fromEntries(entries);
  }, 2)}\n`;
}
