// The dependency installer's child process (dist/reify-child.cjs, started by installer.ts):
// Arborist's reify, like `npm install --omit=dev`, in an environment reduced to the
// services' allowlist, with the home's package store around it:
//
// 1. seed: every package of the planned tree whose tarball is already in the store is laid
//    out in the staging folder as links to the store's files, its bins linked, and listed in
//    a hidden lockfile (node_modules/.package-lock.json, npm's record of what is on disk), so
//    Arborist's diff finds it in place and neither reads nor unpacks it again;
// 2. reify: Arborist fetches and unpacks the rest and runs their install scripts; if any
//    script is about to run, every seeded package gets its own copies first, since a script
//    may write anywhere in the tree;
// 3. store: every package that runs no install code and is not in the store yet is unpacked
//    from its tarball, checked against its integrity, into the store (read-only), or, when
//    nothing but Arborist wrote into the staging folder, made of the folder's own files; each
//    package folder whose bytes equal its store entry then becomes links to it.
//
// A failure is reported as JSON on fd 3; fd 4 is a lifeline that ends with the parent.
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import { Socket } from 'node:net';
import type { NpmEngine } from './npm-engine-load';
import { requireBundle } from './code-cache';
import { PackumentPrefetch, REGISTRY_REQUESTS_AT_ONCE, type PacoteLike } from './packument-prefetch';
import { exactVersionManifest } from './exact-manifest';
import { addEntryFromTarball, binFiles, entryName, linkEntry, packageFiles, relink, sameFiles, seal, shareable, tempEntry, unshare } from './package-store';

export interface ReifyInput {
  /** dist/npm-engine.cjs: Arborist, pacote and friends in one file. */
  engine: string;
  options: Record<string, unknown> & { path: string };
  /** The home's package store; null installs without one. */
  store: string | null;
}

export interface StoreStats {
  /** Packages laid out from the store before Arborist ran. */
  seeded: number;
  /** Seeded packages given their own copies because install scripts ran. */
  unshared: number;
  /** Entries added to the store. */
  stored: number;
  /** Of those, entries unpacked again from their tarball: the staging folder's copy was written by more than pacote (install code ran, or bin-links rewrote a bin). */
  reread: number;
  /** Packages Arborist unpacked that now link to the store. */
  linked: number;
  /** Packages that keep their own files (install code, bytes that differ from the tarball). */
  own: number;
  /** The tree was the plan itself, laid out from the store without Arborist (planned-tree.ts, store-layout.ts). */
  withoutArborist?: boolean;
  /** Why a planned tree still needed Arborist (planned-tree.ts, store-layout.ts), when there was a plan. */
  arboristBecause?: string;
}

export type ReifyPhase = { phase: 'seeded'; count: number } | { phase: 'storing' };

/** What the child says on fd 3, one JSON object a line. */
export type ChildMessage = ReifyPhase | { packages: { done: number; total: number } } | { stats: StoreStats } | { error: Record<string, unknown> };

// The parts of Arborist's Node this uses.
interface ArbNode {
  location: string;
  name: string;
  inert: boolean;
  depth: number;
  path: string;
  parent: ArbNode | null;
  isLink: boolean;
  inBundle: boolean;
  integrity: string | null;
  resolved: string | null;
  packageName: string;
  version: string;
  package: Record<string, any>;
  binPaths: string[];
  inventory: Map<string, ArbNode>;
  dev: boolean;
  optional: boolean;
  devOptional: boolean;
  peer: boolean;
  extraneous: boolean;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  inBundle?: boolean;
  [key: string]: unknown;
}

/** One JSON line on fd 3: a phase reached (for progress), then the stats or the error. */
const say = (line: ChildMessage) => writeSync(3, `${JSON.stringify(line)}\n`);

const report = (e: unknown): never => {
  const { message, code, pkgid, statusCode, type, errno, name, wanted } = (e ?? {}) as Record<string, unknown>;
  // A version the registry lacks: npm-pick-manifest names the package and what was wanted.
  const target = code === 'ETARGET' ? { name, wanted } : {};
  say({ error: { message: String(message), code, pkgid, statusCode, type, errno, ...target } });
  process.exit(1);
};

function readJson(file: string): Record<string, any> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * A lockfile entry with a version but neither integrity nor tarball (hand-written, as in a
 * shrinkwrap a runtime ships, or left out by the tool that wrote it) can't be found in the
 * store, whose entries are named by integrity: such a package would be unpacked again for
 * every version and never shared. What the registry published under that exact version is
 * immutable, so its integrity and tarball are read from the packument (npm's cache first;
 * the registry when the cached copy lacks the version), which is what Arborist would fetch
 * it by anyway; the files are then checked against that integrity, from the store or the
 * registry. A lookup that fails leaves the entry as it was: Arborist then fetches it as it
 * always did, and reports what is wrong.
 */
async function completeFromRegistry(ideal: ArbNode, pacote: PacoteLike, npa: NpmEngine['npa'], options: Record<string, unknown>): Promise<void> {
  const byVersion = (n: ArbNode) => {
    try {
      return npa.resolve(n.packageName, n.version).type === 'version';
    } catch {
      return false;
    }
  };
  // Only what will be unpacked (not dev, not an optional package this platform skips), and no alias: its
  // registry is chosen by the alias's name where Arborist reads a tarball URL.
  const incomplete = [...ideal.inventory.values()].filter(
    (n) => n.parent && !n.isLink && !n.inBundle && !n.dev && !n.inert && n.name === n.packageName && !n.integrity && !n.resolved && n.version && byVersion(n),
  );
  // Not through Arborist's packument cache (`options` are Arborist's input, which has none): a stale
  // cached copy read here must not be what Arborist reads again.
  const manifest = (node: ArbNode) => exactVersionManifest(pacote, `${node.packageName}@${node.version}`, options).catch(() => null);
  for (let i = 0; i < incomplete.length; i += REGISTRY_REQUESTS_AT_ONCE) {
    const batch = incomplete.slice(i, i + REGISTRY_REQUESTS_AT_ONCE);
    const found = await Promise.all(batch.map(manifest));
    batch.forEach((node, k) => {
      const m = found[k];
      if (m?.version !== node.version || typeof m._integrity !== 'string' || typeof m._resolved !== 'string') return;
      node.integrity = m._integrity;
      node.resolved = m._resolved;
    });
  }
}

export async function reify(input: ReifyInput, tell: (m: ChildMessage) => void = () => {}): Promise<StoreStats> {
  const { Arborist, Shrinkwrap, normalizeBin, pacote, npa, PackumentCache } = createRequire(__filename)(input.engine) as NpmEngine;
  const stage = input.options.path;
  const plan = readJson(join(stage, 'package-lock.json'));
  // With a lockfile Arborist asks only about what it doesn't satisfy: nothing is fetched ahead of it for the names it has.
  const prefetch = new PackumentPrefetch(pacote as unknown as PacoteLike, npa.resolve, new PackumentCache(), new Set(plannedNames(plan)));
  const arb = new Arborist({ ...input.options, audit: false, fund: false, packumentCache: prefetch.cache });
  const reifyOptions = { omit: ['dev'], save: false, audit: false, fund: false };
  const stats: StoreStats = { seeded: 0, unshared: 0, stored: 0, reread: 0, linked: 0, own: 0 };
  // Hard links make every file of an entry one file; on Windows npm's bins are shims, not links: no store there.
  const store = process.platform === 'win32' ? null : input.store;

  // The plan first, to know how many packages there are (and, with a store, which it holds); reify then reuses it.
  try {
    prefetch.start(plan ? {} : (readJson(join(stage, 'package.json')) ?? {}), arb.options);
    await arb.buildIdealTree(reifyOptions);
  } finally {
    prefetch.stop();
  }
  const ideal = arb.idealTree as ArbNode;
  const total = Math.max(0, ideal.inventory.size - 1);
  let done = 0;
  // Arborist times each package it puts in place (proc-log's time events); seeded ones count as done.
  process.on('time', (kind: string, name: unknown) => {
    if (kind === 'end' && typeof name === 'string' && name.startsWith('reifyNode:')) tell({ packages: { done: Math.min(++done, total), total } });
  });
  if (!store) {
    tell({ packages: { done: 0, total } });
    await arb.reify(reifyOptions);
    tell({ packages: { done: total, total } });
    return stats;
  }
  mkdirSync(store, { recursive: true });
  await completeFromRegistry(ideal, pacote as unknown as PacoteLike, npa, input.options);

  const seeded = new Map<string, ArbNode>();
  // Arborist's own order (rebuild.js sortNodes: depth, then path): parents before what is nested in them, and of two
  // packages with one bin name, the one bin-links would give it to first.
  const collator = new Intl.Collator('en');
  const nodes = [...ideal.inventory.values()].sort((a, b) => a.depth - b.depth || collator.compare(a.path, b.path));
  for (const node of nodes) {
    if (!node.parent || node.isLink || node.inBundle) continue;
    // A folder the hidden lockfile doesn't list makes Arborist distrust it all: seed a nested package only inside a seeded one.
    if (node.parent !== ideal && !seeded.has(node.parent.location)) continue;
    const name = entryName(node.integrity);
    if (!name) continue;
    const entry = join(store, name);
    const pkg = readJson(join(entry, 'package.json'));
    if (!pkg || pkg.name !== node.packageName || pkg.version !== node.version) continue;
    const files = packageFiles(entry);
    if (!files) continue;
    linkEntry(entry, files, node.path);
    const targets = Object.values(normalizeBin({ ...node.package }).bin ?? {}) as string[];
    node.binPaths.forEach((link, i) => {
      // bin-links links nothing for a file the package lacks.
      if (!targets[i] || !files.includes(normalize(targets[i]))) return;
      mkdirSync(dirname(link), { recursive: true });
      try {
        symlinkSync(relative(dirname(link), join(node.path, targets[i])), link);
      } catch (e) {
        // Two packages with one bin name: the first keeps it (Arborist decides for what it unpacks itself).
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    });
    seeded.set(node.location, node);
  }
  stats.seeded = seeded.size;
  tell({ phase: 'seeded', count: seeded.size });
  done = seeded.size;
  tell({ packages: { done, total } });
  if (seeded.size) {
    // The lockfile the plan came from already describes most of these packages; making each entry anew costs ~0.3 ms a package.
    const planned = (plan?.packages ?? {}) as Record<string, LockEntry>;
    const packages: Record<string, unknown> = {};
    for (const [loc, node] of seeded) {
      const entry = planned[loc];
      packages[loc] = entry && entry.integrity === node.integrity && entry.version === node.version ? withFlags(entry, node) : Shrinkwrap.metaFromNode(node, stage);
    }
    // Written after every seeded folder: Arborist trusts it only if it is the newest thing in node_modules.
    writeFileSync(join(stage, 'node_modules', '.package-lock.json'), JSON.stringify({ name: ideal.packageName, version: ideal.version, lockfileVersion: 3, requires: true, packages }, null, 2));
  }
  // Unknown until Arborist's build says otherwise: then nothing but Arborist and pacote wrote into the staging folder.
  let codeRan = true;
  let rebuilds = 0;
  // Every bin as it was before bin-links ran: one it rewrote (a CRLF shebang line, with write-file-atomic) is a new file.
  const binsBefore = new Map<string, string>();
  const rebuild = arb.rebuild.bind(arb);
  arb.rebuild = async (o: { nodes?: ArbNode[] } = {}) => {
    // Arborist builds once; a second build may follow scripts the first one ran.
    codeRan = rebuilds++ > 0 || scriptsWillRun(arb, o.nodes ?? []);
    for (const node of o.nodes ?? []) {
      for (const b of binFiles(node.package, normalizeBin)) {
        const file = join(node.path, b);
        const id = fileId(file);
        if (id) binsBefore.set(file, id);
      }
    }
    if (codeRan) {
      for (const node of seeded.values()) if (unshare(node.path)) stats.unshared++;
      seeded.clear();
    }
    return rebuild(o);
  };

  await arb.reify(reifyOptions);
  tell({ packages: { done: total, total } });

  const lockFile = join(stage, 'node_modules', '.package-lock.json');
  const lock = readJson(lockFile);
  tell({ phase: 'storing' });
  // Each entry is unpacked once, however many folders hold that package; unpacking runs a few at a time, as Arborist's does.
  const entries = new Map<string, Promise<boolean>>();
  const addEntry = async (name: string, e: LockEntry, dir: string): Promise<boolean> => {
    const entry = join(store, name);
    if (existsSync(entry)) return true;
    const tmp = tempEntry(store, name);
    // No install code ran, and bin-links (the only other writer) only set its bins' modes, rewriting none: the
    // folder's bytes are still what pacote unpacked while checking the tarball against its integrity, so the entry
    // is made of its files.
    const own = codeRan ? null : readJson(join(dir, 'package.json'));
    const ownBins = own ? binFiles(own, normalizeBin) : [];
    const direct = own ? packageFiles(dir) : null;
    if (direct && ownBins.every((b) => direct.includes(b) && binsBefore.get(join(dir, b)) === fileId(join(dir, b)))) {
      linkEntry(dir, direct, tmp);
      seal(tmp, direct, ownBins);
      renameSync(tmp, entry);
      stats.stored++;
      return true;
    }
    // From the tarball in npm's cache, checked against its integrity by pacote: never from the staging folder, where code may have run.
    // A package that can't be had or shared keeps its own files: the install is complete without the store, and the next one tries again.
    if (!(await addEntryFromTarball(store, name, (dest) => pacote.extract(e.resolved!, dest, { ...input.options, integrity: e.integrity, resolved: e.resolved }), normalizeBin))) return false;
    stats.stored++;
    stats.reread++;
    return true;
  };
  const store1 = async (loc: string, e: LockEntry): Promise<void> => {
    if (!loc || e.link || e.inBundle || !e.resolved) return;
    const name = entryName(e.integrity);
    const dir = join(stage, loc);
    if (!name || !existsSync(dir)) return;
    // Seeded and still linked (Arborist found it in place); had Arborist unpacked it anyway, it is handled like any other.
    if (seeded.has(loc) && lstatSync(join(dir, 'package.json')).nlink > 1) return;
    if (!shareable(dir)) {
      stats.own++;
      return;
    }
    if (!entries.has(name)) entries.set(name, addEntry(name, e, dir));
    const entry = join(store, name);
    const ready = await entries.get(name);
    if (ready && lstatSync(join(dir, 'package.json')).ino === lstatSync(join(entry, 'package.json')).ino) stats.linked++; // made of this folder's files
    else if (ready && sameFiles(dir, entry)) {
      relink(entry, packageFiles(entry)!, dir);
      stats.linked++;
    } else stats.own++;
  };
  const queue = Object.entries((lock?.packages ?? {}) as Record<string, LockEntry>);
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await store1(...next);
  }));
  // Relinking touched package folders: npm's record of the tree must stay the newest thing in node_modules.
  if (lock) {
    const now = new Date();
    utimesSync(lockFile, now, now);
  }
  return stats;
}

/** A file's identity and size: a file replaced or rewritten since has another. */
function fileId(file: string): string | null {
  try {
    const st = lstatSync(file);
    return `${st.dev}:${st.ino}:${st.size}`;
  } catch {
    return null;
  }
}

/** The package names a lockfile has, at any place in its tree. */
function plannedNames(lock: Record<string, any> | null): string[] {
  return Object.entries((lock?.packages ?? {}) as Record<string, LockEntry>).map(([loc, e]) => (e.name as string | undefined) ?? loc.slice(loc.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

/** A lockfile entry with the dependency-type flags of the node in this tree, set as Arborist's metaFromNode sets them. */
function withFlags(entry: LockEntry, node: ArbNode): LockEntry {
  const rest = { ...entry };
  for (const flag of ['dev', 'optional', 'devOptional', 'peer', 'extraneous']) delete rest[flag];
  if (node.extraneous) return { ...rest, extraneous: true };
  return {
    ...rest,
    ...(node.peer ? { peer: true } : {}),
    ...(node.dev ? { dev: true } : {}),
    ...(node.optional ? { optional: true } : {}),
    ...(node.devOptional && !node.dev && !node.optional ? { devOptional: true } : {}),
  };
}

/** Will the build about to run execute code of a package (or the root's dependencies scripts)? */
function scriptsWillRun(arb: { options: Record<string, unknown>; idealTree?: ArbNode | null; actualTree?: ArbNode | null }, nodes: ArbNode[]): boolean {
  if (arb.options.ignoreScripts) return false;
  const rootPkg = (arb.idealTree ?? arb.actualTree)?.package ?? {};
  if (['predependencies', 'dependencies', 'postdependencies'].some((s) => rootPkg.scripts?.[s])) return true;
  return nodes.some((n) => n.isLink || !shareable(n.path));
}

function main(): void {
  // make-fetch-happen's cache pipeline can emit a dependency's EINTEGRITY with no listener
  // (a chunked tarball): in this throwaway process that is the answer, not a crash.
  process.on('uncaughtException', report);
  // Our parent is gone (killed mid-install): stop at once; its staging folder is swept next time.
  const lifeline = new Socket({ fd: 4, readable: true, writable: false });
  lifeline.on('data', () => {}).on('end', () => process.exit(137)).on('error', () => process.exit(137));
  lifeline.unref();
  // npm's engine (argv[2]) loads while the parent still downloads the package; reify's require of it is then free.
  // argv[3] is the parent's code cache folder: this environment is reduced to an allowlist that leaves it out.
  if (process.argv[2]) requireBundle(process.argv[2], { ANIMA_CODE_CACHE: process.argv[3] || 'off' });
  let input = '';
  process.stdin
    .on('data', (d) => (input += d))
    .on('end', () => {
      // No input: the parent found nothing to install after all.
      if (!input) process.exit(0);
      reify(JSON.parse(input) as ReifyInput, say).then(
        (stats) => {
          say({ stats });
          process.exit(0);
        },
        report,
      );
    });
}

if (require.main === module) main();
