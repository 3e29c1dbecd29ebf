// The next version is planned from the one installed now: its dependency tree as it is on
// disk (npm's hidden lockfile, node_modules/.package-lock.json, which Arborist writes after
// every reify) is offered to Arborist as the new version's package-lock.json. Arborist then
// keeps every locked package whose range the new version still accepts and asks the
// registry only about the dependencies that changed: an upgrade that changes one
// dependency of 170 fetches one packument instead of 170, as `npm install` does in a
// project with a lockfile. The tree that runs now is the tree that was verified, so
// keeping it where the new version allows is also the conservative choice; a first
// install (or a reinstall after `runtime/` was deleted) resolves everything afresh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** npm's package-lock.json, as much of it as this module writes or reads. */
export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires: true;
  packages: Record<string, LockEntry>;
}

export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  [key: string]: unknown;
}

const ROOT_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta'] as const;

/**
 * A package-lock.json for `pkg` (the new version's package.json, devDependencies already
 * removed) made of the tree installed in `previousDir`; null when there is nothing to plan
 * from or it can't be trusted for this install: no hidden lockfile, an old format, a
 * package linked or fetched from anything but a registry, or a package whose tarball URL is
 * not on the registry that now serves its name (the registry configuration changed since:
 * then everything is resolved again, so no request goes where the user no longer sends it).
 */
export function lockFromPrevious(previousDir: string, pkg: Record<string, unknown>, registryFor: (name: string) => string): Lockfile | null {
  let hidden: { lockfileVersion?: unknown; packages?: Record<string, LockEntry> };
  try {
    hidden = JSON.parse(readFileSync(join(previousDir, 'node_modules', '.package-lock.json'), 'utf8'));
  } catch {
    return null;
  }
  if (typeof hidden.lockfileVersion !== 'number' || hidden.lockfileVersion < 2 || !hidden.packages || typeof hidden.packages !== 'object') return null;
  const packages: Record<string, LockEntry> = {};
  for (const [location, entry] of Object.entries(hidden.packages)) {
    if (!location.startsWith('node_modules/') || !entry || typeof entry !== 'object') return null;
    if (entry.link || typeof entry.resolved !== 'string' || typeof entry.integrity !== 'string') return null;
    const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!underRegistry(entry.resolved, registryFor(name))) return null;
    packages[location] = entry;
  }
  const root: LockEntry = { name: pkg.name as string, version: pkg.version as string };
  for (const f of ROOT_FIELDS) if (pkg[f]) root[f] = pkg[f];
  return { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, ...packages } };
}

/** Is this tarball URL served by that registry? Compared without credentials, scheme and host exact, path as a prefix. */
export function underRegistry(tarball: string, registry: string): boolean {
  try {
    const t = new URL(tarball);
    const r = new URL(registry);
    const base = r.pathname.endsWith('/') ? r.pathname : `${r.pathname}/`;
    return t.protocol === r.protocol && t.host === r.host && t.pathname.startsWith(base);
  } catch {
    return false;
  }
}

/** The registry npm would ask for a package name, given Arborist's options (`@scope:registry` entries win). */
export function registryResolver(options: Record<string, unknown>): (name: string) => string {
  return (name) => {
    const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : null;
    const scoped = scope ? options[`${scope}:registry`] : undefined;
    return String(scoped ?? options.registry ?? 'https://registry.npmjs.org/');
  };
}
