// The next version's tree without Arborist, when the plan says it all. The plan is the tree
// installed now with the new version as its root (previous-lock.ts). Most upgrades change the
// runtime's own code and a dependency or two, and for those Arborist, given that plan, keeps
// every package and puts the changed root dependency in its predecessor's place: the
// answer can be worked out from the lockfile alone, in a few milliseconds, where Arborist
// takes a second process, its engine and a few hundred milliseconds of planning and diffing.
//
// This module does that only where the result is certain to be Arborist's (its
// build-ideal-tree, place-dep and calc-dep-flags, npm 11): every edge of the tree valid by
// dep-valid's rules, a changed root dependency placed at the top where nothing else of its
// name lives, packages no longer reached pruned, the dependency flags recomputed. Anything
// else (an optional dependency the tree lacks, a peer dependency to place, an alias, a
// package with install code or platform limits, a root with overrides, options that change
// how Arborist decides) is declined with a reason, and Arborist plans as before.
import semver from 'semver';
import type { LockEntry, Lockfile } from './previous-lock';

export type FetchManifest = (name: string, spec: string) => Promise<Record<string, unknown>>;

export interface PlannedTree {
  /** Every package of the tree by location (node_modules/a, node_modules/a/node_modules/b), as npm's hidden lockfile lists them. */
  packages: Record<string, LockEntry>;
  /** Locations whose package came from the registry now (a changed root dependency). */
  fetched: string[];
}

export type PlanResult = { tree: PlannedTree } | { declined: string };

type EdgeType = 'prod' | 'optional' | 'peer' | 'peerOptional';

interface Edge {
  name: string;
  spec: string;
  type: EdgeType;
}

const ROOT_DECLINES = ['optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies', 'overrides', 'workspaces', 'acceptDependencies'] as const;
const ENTRY_DECLINES = ['link', 'inBundle', 'hasShrinkwrap', 'hasInstallScript', 'os', 'cpu', 'libc', 'acceptDependencies', 'bundleDependencies', 'workspaces'] as const;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];
// Lifecycle scripts of the root that Arborist runs when the tree changes (rebuild.js).
const ROOT_SCRIPTS = ['predependencies', 'dependencies', 'postdependencies'];
// npm options under which Arborist decides otherwise than this module does.
const OPTION_DECLINES: Array<[string, (v: unknown) => boolean]> = [
  ['before', (v) => !!v],
  ['legacyPeerDeps', (v) => !!v],
  ['engineStrict', (v) => !!v],
  ['force', (v) => !!v],
  ['installStrategy', (v) => v !== undefined && v !== 'hoisted'],
  ['replaceRegistryHost', (v) => v !== undefined && v !== 'npmjs'],
  // package-lock=false: Arborist ignores the plan and resolves afresh.
  ['packageLock', (v) => v === false],
  ['binLinks', (v) => v === false],
  ['omitLockfileRegistryResolved', (v) => !!v],
];

/**
 * Why the new root (package.json, devDependencies removed) or the npm options rule this
 * module out before anything is fetched; null if they don't. Cheap: the installer asks it
 * as soon as it knows the version, to decide whether to warm Arborist's process.
 */
export function declineRoot(pkg: Record<string, unknown>, options: Record<string, unknown>): string | null {
  for (const f of ROOT_DECLINES) if (isPresent(pkg[f])) return `the root has ${f}`;
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  for (const s of ROOT_SCRIPTS) if (scripts[s]) return `the root has a "${s}" script`;
  for (const [key, declines] of OPTION_DECLINES) if (declines(options[key])) return `the npm option ${key} is set`;
  const deps = pkg.dependencies;
  if (deps !== undefined && (typeof deps !== 'object' || deps === null)) return 'the root has malformed dependencies';
  return null;
}

/**
 * The tree Arborist would build from `plan` (lockFromPrevious's lockfile: the new root as
 * its "" entry, the tree installed now as the rest), or why this module won't say.
 * `fetchManifest` resolves a root dependency the tree no longer satisfies, with Arborist's
 * own call (pacote.manifest, full metadata); its errors propagate.
 */
export async function planTree(plan: Lockfile, fetchManifest: FetchManifest, options: Record<string, unknown> = {}): Promise<PlanResult> {
  const root = plan.packages[''] ?? {};
  const rootDecline = declineRoot(root, options);
  if (rootDecline) return { declined: rootDecline };
  const packages: Record<string, LockEntry> = {};
  for (const [loc, entry] of Object.entries(plan.packages)) {
    if (loc === '') continue;
    const name = nameAt(loc);
    if (!name) return { declined: `a malformed location in the lockfile: ${loc}` };
    for (const f of ENTRY_DECLINES) if (isPresent(entry[f])) return { declined: `${loc} has ${f}` };
    if (entry.name !== undefined && entry.name !== name) return { declined: `${loc} is an alias of ${entry.name}` };
    if (typeof entry.version !== 'string' || !semver.valid(entry.version) || typeof entry.integrity !== 'string' || typeof entry.resolved !== 'string') return { declined: `${loc} has no version, integrity or tarball` };
    packages[loc] = entry;
  }

  // The root's dependencies the tree doesn't satisfy: Arborist resolves each and puts it at the top, in the place of what was there.
  const rootEdges = edgesOf(root);
  // A reason names packages and versions, never a spec that isn't a range: a git or tarball URL may carry credentials, and the reason is recorded.
  for (const e of rootEdges) if (!rangeOf(e.spec)) return { declined: `the root's ${e.name} is not a registry range` };
  const changed = rootEdges.filter((e) => !satisfied(packages, '', e));
  for (const { name } of changed) {
    // Arborist would move the old one's nested packages under the new one and dedupe copies of the name deeper down.
    const top = `node_modules/${name}`;
    if (Object.keys(packages).some((loc) => loc.startsWith(`${top}/`) || (loc !== top && nameAt(loc) === name))) return { declined: `${name} changes and is also nested in the tree` };
  }
  const manifests = await Promise.all(changed.map((e) => fetchManifest(e.name, e.spec)));
  const fetched: string[] = [];
  for (const [i, m] of manifests.entries()) {
    const { name } = changed[i];
    const decline = declineManifest(name, m);
    if (decline) return { declined: decline };
    packages[`node_modules/${name}`] = entryOf(m);
    fetched.push(`node_modules/${name}`);
  }

  // Every edge of what the root reaches must hold (otherwise Arborist would place something); what it no longer reaches goes.
  const edgesAt = (loc: string) => (loc === '' ? rootEdges : edgesOf(packages[loc]));
  const targets = new Map<string, Array<[string, EdgeType]>>();
  const reached = new Set<string>(['']);
  for (const queue = ['']; queue.length; ) {
    const loc = queue.shift()!;
    const out: Array<[string, EdgeType]> = [];
    for (const e of edgesAt(loc)) {
      const range = rangeOf(e.spec);
      if (!range) return { declined: `${loc || 'the root'} asks for ${e.name} by something not a registry range` };
      const to = resolve(packages, loc, e.name);
      if (!to) {
        if (e.type === 'peerOptional') continue;
        return { declined: `${loc || 'the root'} needs ${e.name}@${e.spec}, which the tree lacks` };
      }
      if (!satisfies(packages[to].version as string, range)) return { declined: `${loc || 'the root'} needs ${e.name}@${e.spec}; the tree has ${packages[to].version} at ${to}` };
      out.push([to, e.type]);
      // calc-dep-flags: an optional peer edge alone keeps nothing in the tree (Arborist prunes what only such edges reach).
      if (e.type !== 'peerOptional' && !reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
    targets.set(loc, out);
  }
  // calc-dep-flags: a package is optional (peer) unless some path to it takes no optional (peer) edge; a package that
  // isn't keeps the packages whose folders hold it from being so.
  const notOptional = unflagged(targets, (t) => t !== 'optional' && t !== 'peerOptional');
  const notPeer = unflagged(targets, (t) => t !== 'peer' && t !== 'peerOptional');

  const tree: Record<string, LockEntry> = {};
  for (const loc of Object.keys(packages).sort(localeCompare)) {
    if (!reached.has(loc)) continue;
    const entry = { ...packages[loc] };
    for (const flag of ['dev', 'optional', 'devOptional', 'peer', 'extraneous']) delete entry[flag];
    if (!notPeer.has(loc)) entry.peer = true;
    if (!notOptional.has(loc)) entry.optional = true;
    // An optional package whose engines Node doesn't meet is left out by Arborist (build-ideal-tree's #checkEngineAndPlatform).
    if (entry.optional && isPresent(entry.engines)) return { declined: `${loc} is optional and has engines` };
    // Flags that move mean the graph changed in a way this module doesn't model with certainty: Arborist decides.
    const before = plan.packages[loc];
    if (before && (!!before.peer !== !!entry.peer || !!before.optional !== !!entry.optional || before.dev || before.devOptional)) return { declined: `the dependency flags of ${loc} change` };
    tree[loc] = entry;
  }
  return { tree: { packages: tree, fetched } };
}

/** The packages reached from the root by edges `keep` accepts, and the packages whose folders hold one of them. */
function unflagged(targets: Map<string, Array<[string, EdgeType]>>, keep: (t: EdgeType) => boolean): Set<string> {
  const out = new Set<string>();
  const queue = [''];
  const add = (loc: string) => {
    for (let l = loc; l && !out.has(l); l = parentOf(l)) {
      out.add(l);
      queue.push(l);
    }
  };
  while (queue.length) for (const [to, type] of targets.get(queue.shift()!) ?? []) if (keep(type)) add(to);
  return out;
}

/** Why a freshly resolved root dependency can't simply take its place at the top. */
function declineManifest(name: string, m: Record<string, unknown>): string | null {
  const id = `${name}@${String(m.version)}`;
  if (m.name !== name) return `the registry answered ${String(m.name)} for ${name}`;
  if (typeof m.version !== 'string' || !semver.valid(m.version)) return `${id} has no valid version`;
  if (typeof m._resolved !== 'string' || typeof m._integrity !== 'string' || !/(^|\s)sha512-/.test(m._integrity)) return `${id} has no tarball or sha512 integrity`;
  const scripts = (m.scripts ?? {}) as Record<string, unknown>;
  if (m.hasInstallScript || m.gypfile || INSTALL_SCRIPTS.some((s) => scripts[s])) return `${id} has install scripts`;
  // Its own shrinkwrap decides its dependencies, nested under it (build-ideal-tree skips them).
  if (m._hasShrinkwrap) return `${id} has a shrinkwrap`;
  for (const f of ['optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies', 'os', 'cpu', 'libc', 'acceptDependencies'] as const) if (isPresent(m[f])) return `${id} has ${f}`;
  if (m.deprecated !== undefined && typeof m.deprecated !== 'string') return `${id} has a malformed deprecation`;
  return null;
}

// Arborist's shrinkwrap.js pkgMetaKeys: what metaFromNode copies from a package's manifest.
const PKG_META_KEYS = ['version', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'optionalDependencies', 'bundleDependencies', 'acceptDependencies', 'funding', 'engines', 'os', 'cpu', 'libc', '_integrity', 'license', '_hasShrinkwrap', 'hasInstallScript', 'bin', 'deprecated', 'workspaces'];

/** A lockfile entry for a package resolved from the registry, as Arborist's metaFromNode makes it (keys are ordered when written). */
function entryOf(m: Record<string, unknown>): LockEntry {
  const entry: LockEntry = {};
  for (const key of PKG_META_KEYS) {
    let v = m[key];
    // Only a license's type, not the whole object; empty objects and falsy values are left out.
    if (key === 'license' && v && typeof v === 'object' && (v as { type?: unknown }).type) v = (v as { type: unknown }).type;
    if (isPresent(v)) entry[key.replace(/^_/, '')] = v;
  }
  entry.resolved = m._resolved as string;
  entry.integrity = m._integrity as string;
  return entry;
}

/** A package's edges as Arborist's Node makes them: peer, then optional peer, prod, optional; a later type replaces an earlier one. */
function edgesOf(entry: LockEntry): Edge[] {
  const edges = new Map<string, Edge>();
  const add = (deps: unknown, type: (name: string) => EdgeType) => {
    if (!deps || typeof deps !== 'object') return;
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) edges.set(name, { name, spec: typeof spec === 'string' ? spec : '\0', type: type(name) });
  };
  const meta = (entry.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean } | undefined>;
  add(entry.peerDependencies, (n) => (meta[n]?.optional ? 'peerOptional' : 'peer'));
  add(entry.dependencies, () => 'prod');
  add(entry.optionalDependencies, () => 'optional');
  return [...edges.values()];
}

/** The semver range a spec is (dep-valid's `range` and `version` types; '' means '*'), or null for anything else: tags, aliases, URLs, git, files. */
function rangeOf(spec: string): string | null {
  const s = spec.trim();
  if (s === '' || s === '*') return '*';
  return semver.validRange(s, true) ? s : null;
}

function satisfies(version: string, range: string): boolean {
  // '*' accepts anything, prereleases included (dep-valid).
  return range === '*' || semver.satisfies(version, range, true);
}

function satisfied(packages: Record<string, LockEntry>, from: string, e: Edge): boolean {
  const to = resolve(packages, from, e.name);
  const range = rangeOf(e.spec);
  return !!to && !!range && satisfies(packages[to].version as string, range);
}

/** Node's lookup, as Arborist's Node.resolve walks it: the package's own node_modules, then each parent's, then the top. */
function resolve(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  for (let base = from; ; base = parentOf(base)) {
    const loc = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[loc]) return loc;
    if (!base) return null;
  }
}

function parentOf(loc: string): string {
  const i = loc.lastIndexOf('/node_modules/');
  return i < 0 ? '' : loc.slice(0, i);
}

const NAME = /^(?:@[^/@.][^/@]*\/)?[^/@.][^/@]*$/;

/** The package name a location holds (node_modules/@s/a/node_modules/b → b), or null if it is not a location. */
function nameAt(loc: string): string | null {
  if (!loc.startsWith('node_modules/')) return null;
  const name = loc.slice(loc.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return NAME.test(name) ? name : null;
}

function isPresent(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  return typeof v !== 'object' || Object.keys(v as object).length > 0;
}

/** Arborist orders a lockfile's packages with localeCompare in 'en' (@isaacs/string-locale-compare): one collator, as it keeps (a.localeCompare(b, 'en') makes one a call). */
const localeCompare = new Intl.Collator('en').compare;
