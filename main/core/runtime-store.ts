import { existsSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import semver from 'semver';
import { AnimaError, errorCode } from './errors';
import { fsyncDir } from './atomic';
import { securePrivateHome, type HomeLayout } from './home';
import { liveProcess } from './pidfile';
import { isAlive, isSameProcess, type ProcessRef } from './process-identity';
import { collectStore, sweepStore } from './package-store';
import type { StoreStats } from './reify-child';

/** Written last into a version's folder: its presence is what makes a version "installed". */
export const INSTALL_MARKER = '.anima-install.json';

export interface InstallRecord {
  package: string;
  version: string;
  integrity: string;
  resolved: string;
  registry: string;
  installedAt: string;
  /** What the package store saved (reify-child.ts): for diagnostics and the bench. */
  store?: StoreStats;
}

export function readInstallRecord(dir: string): InstallRecord | null {
  try {
    return JSON.parse(readFileSync(join(dir, INSTALL_MARKER), 'utf8')) as InstallRecord;
  } catch {
    return null;
  }
}

/** Complete installs of this package, oldest install first. */
export function installedVersions(paths: HomeLayout, packageName: string): InstallRecord[] {
  let names: string[];
  try {
    names = readdirSync(paths.versions);
  } catch {
    return [];
  }
  return names
    .filter((n) => semver.valid(n) === n)
    .map((n) => readInstallRecord(join(paths.versions, n)))
    .filter((r): r is InstallRecord => r !== null && r.package === packageName)
    .sort((a, b) => a.installedAt.localeCompare(b.installedAt));
}

export function isInstalled(paths: HomeLayout, packageName: string, version: string): boolean {
  const r = readInstallRecord(paths.version(version));
  return r !== null && r.package === packageName && r.version === version;
}

/** The version `current` points at, or null when there is no usable link. */
export function currentVersion(paths: HomeLayout): string | null {
  let target: string;
  try {
    target = readlinkSync(paths.current);
  } catch {
    return null;
  }
  const v = basename(resolve(paths.runtime, target));
  return semver.valid(v) === v && resolve(paths.runtime, target) === paths.version(v) ? v : null;
}

/**
 * Points `current` at a version in one atomic step: a new link beside it, renamed
 * over the old one. A reader (or a crash) sees the old target or the new, never none.
 */
export function swapCurrent(paths: HomeLayout, version: string): void {
  const tmp = `${paths.current}.tmp-${randomBytes(4).toString('hex')}`;
  if (process.platform === 'win32') symlinkSync(paths.version(version), tmp, 'junction');
  else symlinkSync(join('versions', version), tmp);
  try {
    renameSync(tmp, paths.current);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new AnimaError('ECURRENT', `Could not point ${paths.current} at ${version}: ${(e as Error).message}`, {
      hint: `${paths.current} must be a link managed by Anima Desktop; move it away if you created it.`,
      cause: e,
    });
  }
  fsyncDir(paths.runtime);
}

/** Removes a folder so that it stops looking like a version at once, even if the removal is cut short. */
export function discard(dir: string): void {
  const aside = join(dir, '..', `.trash-${basename(dir)}-${randomBytes(4).toString('hex')}`);
  try {
    renameSync(dir, aside);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return;
    throw e;
  }
  rmSync(aside, { recursive: true, force: true });
}

/**
 * Sweeps what an interrupted install left: staging folders, trash, link and file temporaries.
 * Only ever called under the home's operation lock, so nothing here is in use.
 */
/** The record of the dependency installer writing into a staging folder (its pid and start time). */
export function writerRecordOf(stage: string): string {
  return `${stage}.writer.json`;
}

/**
 * An installer's child that outlived its parent (killed between the kill and its lifeline's
 * end) could still write into a staging folder after the sweep removed it. Under the home's
 * lock no live installer can own one: stop such a child, and wait until it is gone.
 */
function stopOrphanWriters(versions: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(versions).filter((n) => n.endsWith('.writer.json'));
  } catch {
    return;
  }
  for (const n of names) {
    let ref: ProcessRef;
    try {
      ref = JSON.parse(readFileSync(join(versions, n), 'utf8')) as ProcessRef;
    } catch {
      continue;
    }
    if (!isSameProcess(ref)) continue;
    try {
      process.kill(ref.pid, 'SIGKILL');
    } catch {
      continue;
    }
    const deadline = Date.now() + 3000;
    while (isSameProcess(ref) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

export function sweepLeftovers(paths: HomeLayout): string[] {
  stopOrphanWriters(paths.versions);
  const swept: string[] = [];
  const sweep = (dir: string, remove: (name: string) => boolean) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.filter(remove)) {
      rmSync(join(dir, n), { recursive: true, force: true });
      swept.push(join(dir, n));
    }
  };
  sweep(paths.versions, (n) => /\.partial-|^\.trash-/.test(n));
  swept.push(...sweepStore(paths));
  sweep(paths.runtime, (n) => /^current\.tmp-/.test(n));
  // A kill -9 mid atomic write leaves its temporary beside the file (`.config.json.<pid>.<hex>.tmp`, and the
  // lock's `operation.lock.<pid>.<hex>`). Their names carry the writer's pid: only a dead writer's are removed.
  const deadWriter = (pattern: RegExp) => (n: string) => {
    const m = pattern.exec(n);
    return !!m && !isAlive(Number(m[1]));
  };
  sweep(paths.home, deadWriter(/^\.config\.json\.(\d+)\.[0-9a-f]+\.tmp$/));
  sweep(paths.run, deadWriter(/^operation\.lock\.(\d+)\.[0-9a-f]+$/));
  // A version folder without its marker was cut short after its rename: not installed, remove it.
  if (existsSync(paths.versions)) {
    for (const n of readdirSync(paths.versions)) {
      if (semver.valid(n) === n && !existsSync(join(paths.versions, n, INSTALL_MARKER))) {
        discard(join(paths.versions, n));
        swept.push(join(paths.versions, n));
      }
    }
  }
  return swept;
}

/**
 * Keeps the newest `keep` installs (by install time) plus every protected version
 * (the pin, current, whatever the services run now): the rest go, and with them the
 * store's entries no remaining version links to (also those a discarded or swept
 * install left).
 */
export function pruneVersions(paths: HomeLayout, packageName: string, keep: number, protect: Iterable<string | null | undefined>): string[] {
  // Whatever a live service runs from stays, whoever prunes (a CLI install while services run).
  const running = ['web', 'agent'].map((s) => liveProcess(paths.pidFile(s))?.version);
  const keepSet = new Set([...protect, ...running].filter((v): v is string => !!v));
  const all = installedVersions(paths, packageName).reverse();
  const removed: string[] = [];
  let kept = [...keepSet].filter((v) => all.some((r) => r.version === v)).length;
  for (const r of all) {
    if (keepSet.has(r.version)) continue;
    if (kept < keep) {
      kept++;
      continue;
    }
    discard(paths.version(r.version));
    removed.push(r.version);
  }
  collectStore(paths);
  return removed;
}

/** The home's folders, private (and an older, world-readable home made private). */
export function ensureHomeDirs(paths: HomeLayout): void {
  securePrivateHome(paths);
}
