import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type pacote from 'pacote';
import semver from 'semver';
import ssri from 'ssri';
import { AnimaError, UsageError, errorCode, messageOf } from './errors';
import { writeJsonAtomic, writeJsonWhole, fsyncDir } from './atomic';
import { updateConfig } from './config';
import type { Context } from './context';
import { checkDeclaration, checkInstalledFiles } from './runtime-contract';
import { scrubbedEnv } from './child-env';
import { redactError, redactUrl } from './redact';
import { nodeCommand } from './supervisor-process';
import { refOf } from './process-identity';
import { dependencyOptions, loadPacote, pacoteOptions, registryError, resolveVersion, type RegistryTarget, type ResolvedVersion } from './registry';
import { writerRecordOf } from './runtime-store';
import { ndjsonReader } from './ndjson';
import { formatBytes } from '../shared/format';
import { storeDir } from './package-store';
import { bundleFile, npmEngineFile, npmFetch } from './npm-engine-load';
import { codeCacheDir } from './code-cache';
import { lockFromPrevious, registryResolver, type Lockfile } from './previous-lock';
import { declineRoot, planTree, type FetchManifest, type PlanResult } from './planned-tree';
import { layoutPlanned } from './store-layout';
import { exactVersionManifest } from './exact-manifest';
import type { PacoteLike } from './packument-prefetch';
import type { ChildMessage, ReifyInput, StoreStats } from './reify-child';
import {
  INSTALL_MARKER, currentVersion, discard, ensureHomeDirs, isInstalled, pruneVersions, sweepLeftovers, swapCurrent,
  type InstallRecord,
} from './runtime-store';

export type InstallStep = 'resolving' | 'downloading' | 'installing-dependencies' | 'validating' | 'activating';

export interface InstallProgress {
  step: InstallStep;
  version?: string;
  /** downloading: bytes received so far, and the total where the registry tells it. */
  bytes?: number;
  total?: number;
  /** installing-dependencies: packages installed so far, of how many (Arborist's ideal tree). */
  packages?: { done: number; total: number };
  message?: string;
}

export interface InstallOptions {
  onProgress?: (p: InstallProgress) => void;
  /** Pin the version and point `current` at it (default). The upgrade transaction activates on its own terms. */
  activate?: boolean;
  /** The Node that will run the services, for `engines.node` (default: this process's). */
  nodeVersion?: string;
  /** Versions that must survive pruning (e.g. the one the services run now). */
  protect?: string[];
}

export interface InstallResult {
  package: string;
  version: string;
  dir: string;
  /** The version was already complete on disk: nothing was downloaded. */
  alreadyInstalled: boolean;
  previous: string | null;
  pruned: string[];
}

// A dist-tag is a name; something that starts like a version ("v1..2", "1.4") is a bad version, not a tag.
const TAG = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const VERSION_LIKE = /^[vV=]?\d/;

/** "1.4.2" or a dist-tag such as "latest" or "canary"; anything else (ranges, "1.4", "v1..") is a usage error. */
export function checkSpec(spec: string): string {
  if (semver.valid(spec) === spec) return spec;
  if (TAG.test(spec) && !VERSION_LIKE.test(spec) && !semver.validRange(spec)) return spec;
  throw new UsageError(`"${spec}" is neither an exact semver version (like 1.4.2) nor a dist-tag (like latest or canary)`);
}

/**
 * Installs one version of the runtime into runtime/versions/V, so that a kill -9
 * at any moment leaves `current` on a complete version and the pin valid:
 * everything happens in a staging folder that is renamed into place only once the
 * package, its dependencies and its contract check out; the marker file written
 * last makes it count as installed. Callers hold the home's operation lock.
 */
export async function installVersion(ctx: Context, spec: string, opts: InstallOptions = {}): Promise<InstallResult> {
  checkSpec(spec);
  const { paths, packageName } = ctx;
  const progress = opts.onProgress ?? (() => {});
  ensureHomeDirs(paths);
  sweepLeftovers(paths);
  const previous = currentVersion(paths);

  // An exact version already on disk needs no registry at all.
  if (semver.valid(spec) && isInstalled(paths, packageName, spec)) {
    const pruned = opts.activate === false ? [] : activate(ctx, spec, previous, opts, progress);
    return { package: packageName, version: spec, dir: paths.version(spec), alreadyInstalled: true, previous, pruned };
  }

  // Started now, the dependency installer is ready by the time the package has downloaded. With a version
  // installed, the next one may need no Arborist at all (planned-tree.ts): that is known once it is resolved.
  const installer = new DependencyInstaller();
  if (!previous) installer.warm();
  try {
    return await resolveAndInstall(ctx, spec, opts, previous, installer);
  } finally {
    installer.cancel();
  }
}

async function resolveAndInstall(ctx: Context, spec: string, opts: InstallOptions, previous: string | null, installer: DependencyInstaller): Promise<InstallResult> {
  const { paths, packageName } = ctx;
  const progress = opts.onProgress ?? (() => {});
  const nodeVersion = opts.nodeVersion ?? process.versions.node;
  const registry = await ctx.registry();
  progress({ step: 'resolving', message: `${packageName}@${spec} from ${registry.url}` });
  const resolved = await resolveExact(registry, packageName, spec);
  const decl = checkDeclaration(resolved.manifest, nodeVersion);
  if (decl.name !== packageName) {
    throw new AnimaError('ECONTRACT', `The registry answered ${decl.name} when ${packageName} was asked for`, { details: { package: packageName } });
  }

  if (isInstalled(paths, packageName, resolved.version)) {
    const pruned = opts.activate === false ? [] : activate(ctx, resolved.version, previous, opts, progress);
    return { package: packageName, version: resolved.version, dir: paths.version(resolved.version), alreadyInstalled: true, previous, pruned };
  }
  const plannedFrom = previous && previous !== resolved.version ? paths.version(previous) : null;
  // The plan can be worked out from the registry's manifest while the package downloads; the package.json decides after.
  const early = plannedFrom ? startPlan(resolved.manifest, plannedFrom, dependencyOptions(registry)) : null;
  if (!early) installer.warm();

  const stage = join(paths.versions, `${resolved.version}.partial-${randomBytes(4).toString('hex')}`);
  try {
    await download(registry, resolved, stage, progress);
    progress({ step: 'installing-dependencies', version: resolved.version });
    const store = await installDependencies(installer, registry, packageName, stage, storeDir(paths), plannedFrom, early, (m) =>
      progress({
        step: 'installing-dependencies',
        version: resolved.version,
        ...('packages' in m ? { packages: m.packages } : { message: m.phase === 'seeded' ? `${m.count} packages linked from the store` : 'adding the new packages to the store' }),
      }),
    );
    progress({ step: 'validating', version: resolved.version });
    checkInstalledFiles(stage, decl);
    const record: InstallRecord = {
      package: packageName,
      version: resolved.version,
      integrity: resolved.integrity,
      // A record of the home: the tarball URL as it may be shown (a registry may put credentials in it).
      resolved: redactUrl(resolved.resolved),
      registry: registry.url,
      installedAt: new Date().toISOString(),
      ...(store ? { store } : {}),
    };
    writeJsonAtomic(join(stage, INSTALL_MARKER), record);
    const dest = paths.version(resolved.version);
    if (existsSync(dest)) discard(dest); // an incomplete or foreign-package folder under the same name
    renameSync(stage, dest);
    fsyncDir(paths.versions);
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  const pruned = opts.activate === false ? [] : activate(ctx, resolved.version, previous, opts, progress);
  return { package: packageName, version: resolved.version, dir: paths.version(resolved.version), alreadyInstalled: false, previous, pruned };
}

/**
 * Published versions never change, so an exact version may come from the cached
 * packument (that is what makes an offline reinstall of the pin work); but a version
 * published since that copy was cached is missing from it, so then ask the registry.
 * A dist-tag always asks the registry.
 */
async function resolveExact(registry: RegistryTarget, packageName: string, spec: string): Promise<ResolvedVersion> {
  if (semver.valid(spec)) {
    try {
      return await resolveVersion(registry, packageName, spec, { preferOffline: true });
    } catch (e) {
      if (!(e instanceof AnimaError) || e.code !== 'EVERSION_NOT_FOUND') throw e;
    }
  }
  return resolveVersion(registry, packageName, spec);
}

/** One line for a person, for each step of an install. */
export function describeInstallProgress(p: InstallProgress): string {
  switch (p.step) {
    case 'resolving':
      return `Resolving ${p.message ?? ''}`.trim();
    case 'downloading':
      return `Downloading ${p.version}: ${formatBytes(p.bytes ?? 0)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`;
    case 'installing-dependencies':
      return `Installing the dependencies of ${p.version}${p.packages ? `: ${p.packages.done} of ${p.packages.total} packages` : p.message ? `: ${p.message}` : ''}`;
    case 'validating':
      return `Checking ${p.version} against the runtime contract`;
    case 'activating':
      return `Pinning ${p.version}`;
  }
}

/** Pin first, then move `current`: after a crash in between, the pin (the truth) names a complete version and `reconcileCurrent` finishes the job. */
function activate(ctx: Context, version: string, previous: string | null, opts: InstallOptions, progress: (p: InstallProgress) => void): string[] {
  progress({ step: 'activating', version });
  const config = updateConfig(ctx.paths.config, (c) => {
    c.runtime.version = version;
    c.runtime.package = ctx.packageName;
  });
  swapCurrent(ctx.paths, version);
  return pruneVersions(ctx.paths, ctx.packageName, config.runtime.keepVersions, [version, previous, ...(opts.protect ?? [])]);
}

/** Makes an installed version the one that runs next: the pin first (the truth), then `current`. No pruning. */
export function pinAndSwap(ctx: Context, version: string): void {
  updateConfig(ctx.paths.config, (c) => {
    c.runtime.version = version;
    c.runtime.package = ctx.packageName;
  });
  swapCurrent(ctx.paths, version);
}

/** Brings `current` back in line with the pin after an interrupted activation. Returns true if it changed anything. */
export function reconcileCurrent(ctx: Context): boolean {
  const pin = ctx.config.runtime.version;
  if (!pin || !isInstalled(ctx.paths, ctx.packageName, pin) || currentVersion(ctx.paths) === pin) return false;
  swapCurrent(ctx.paths, pin);
  return true;
}

/**
 * Downloads the tarball (counting bytes for progress), verifies it against the registry's
 * sha512, stores it in npm's content cache, then extracts it from there into the staging
 * folder (pacote leaves a partial folder behind on failure).
 *
 * The download bypasses make-fetch-happen's HTTP cache on purpose: when a tarball arrives
 * without content-length (chunked) and fails its integrity check, the cache's write
 * pipeline emits EINTEGRITY on a stream nobody listens to, an uncaught exception that
 * killed the CLI. We verify the bytes ourselves and put them into the cache by their
 * digest, where pacote looks first: extraction, and a later reinstall with the registry
 * down, read them from there.
 */
async function download(registry: RegistryTarget, r: ResolvedVersion, stage: string, progress: (p: InstallProgress) => void): Promise<void> {
  const opts = pacoteOptions(registry, r.name, { integrity: r.integrity, resolved: r.resolved }) as pacote.Options & { cache?: string };
  const spec = `${r.name}@${r.version}`;
  const total = Number((r.manifest.dist as Record<string, unknown> | undefined)?.size) || undefined;
  const pacote = await loadPacote();
  const { cacache } = npmFetch();
  try {
    progress({ step: 'downloading', version: r.version, bytes: 0, total });
    if (!opts.cache || !(await cacache.get.hasContent(opts.cache, r.integrity))) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let lastReport = 0;
      await pacote.tarball.stream(spec, async (stream) => {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          chunks.push(chunk);
          bytes += chunk.length;
          if (bytes - lastReport > 64 * 1024) {
            lastReport = bytes;
            progress({ step: 'downloading', version: r.version, bytes, total });
          }
        }
      }, { ...opts, cache: undefined, preferOnline: true } as pacote.Options);
      const data = Buffer.concat(chunks);
      // Checked here whatever the transport did: a mismatch is EINTEGRITY, thrown, never emitted.
      if (!ssri.checkData(data, r.integrity)) {
        throw Object.assign(new Error(`${spec}: the tarball (${bytes} bytes) does not match ${r.integrity}`), { code: 'EINTEGRITY' });
      }
      if (opts.cache) await cacache.put(opts.cache, `anima:tarball:${r.resolved}`, data, { integrity: r.integrity });
      progress({ step: 'downloading', version: r.version, bytes, total: total ?? bytes });
    }
    mkdirSync(stage, { recursive: true });
    await pacote.extract(spec, stage, { ...opts, preferOffline: true } as pacote.Options);
  } catch (e) {
    throw registryError(e, registry, r.name, r.version);
  }
}

/**
 * Installs the package's dependencies in its own folder as `npm install --omit=dev`
 * would, with Arborist (npm's own engine), so no npm binary is needed. Two
 * adjustments keep npm's behaviour on every Arborist line: devDependencies are
 * hidden while Arborist builds its tree (it would otherwise resolve them, and fail
 * on unpublished ones), and a shipped npm-shrinkwrap.json is also offered as
 * package-lock.json (Arborist 10 no longer reads shrinkwraps). The package's own
 * files are restored byte for byte afterwards. What the home's package store already
 * holds is linked rather than unpacked again, and what it lacks is added to it
 * (reify-child.ts, package-store.ts).
 */
async function installDependencies(installer: DependencyInstaller, registry: RegistryTarget, packageName: string, dir: string, store: string, previousDir: string | null, early: EarlyPlan | null, onChild: (m: Exclude<ChildMessage, { stats: unknown } | { error: unknown }>) => void): Promise<StoreStats | null> {
  const pkgFile = join(dir, 'package.json');
  const original = readFileSync(pkgFile);
  const pkg = JSON.parse(original.toString('utf8')) as Record<string, unknown>;
  const hasDeps = ['dependencies', 'optionalDependencies', 'peerDependencies'].some(
    (k) => pkg[k] && Object.keys(pkg[k] as object).length > 0,
  );
  if (!hasDeps) {
    installer.cancel();
    return null;
  }
  const shrinkwrap = join(dir, 'npm-shrinkwrap.json');
  const lock = join(dir, 'package-lock.json');
  const shipped = existsSync(shrinkwrap) || existsSync(lock);
  const options = dependencyOptions(registry);
  let addedLock = false;
  let declined: string | null = null;
  try {
    if (pkg.devDependencies) {
      delete pkg.devDependencies;
      writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    }
    if (existsSync(shrinkwrap) && !existsSync(lock)) {
      copyFileSync(shrinkwrap, lock);
      addedLock = true;
    } else if (!shipped && previousDir) {
      // A lockfile the version ships decides its tree; without one, the tree installed now is the plan (previous-lock.ts).
      const planned = lockFromPrevious(previousDir, pkg, registryResolver(options));
      if (planned) {
        const laid = await layOutWithoutArborist(pkg, planned, early, options, dir, store, onChild);
        if ('stats' in laid) {
          installer.cancel();
          return laid.stats;
        }
        declined = laid.declined;
        writeFileSync(lock, JSON.stringify(planned));
        addedLock = true;
      }
    }
    const stats = await installer.run(options, dir, store, onChild);
    return declined ? { ...stats, arboristBecause: declined } : stats;
  } catch (e) {
    redactError(e);
    // A 404 here is about a dependency, not the runtime package: name the one that is missing.
    const missing = errorCode(e) === 'E404' ? ((e as { pkgid?: string }).pkgid ?? decodeURIComponent(/GET \S+\/(\S+?) /.exec(messageOf(e))?.[1] ?? '?')) : null;
    // So is a version the registry lacks (npm-pick-manifest's ETARGET carries the package and what was wanted).
    const target = errorCode(e) === 'ETARGET' ? (e as { name?: unknown; wanted?: unknown }) : null;
    const err = missing
      ? new AnimaError('EPACKAGE_NOT_FOUND', `its dependency ${missing} was not found on the registry ${registry.url}`, { hint: `The registry comes from ${registry.source}.`, details: { registry: registry.url, dependency: missing } })
      : target && typeof target.name === 'string'
        ? new AnimaError('EVERSION_NOT_FOUND', `its dependency ${target.name} has no version matching "${String(target.wanted)}" on the registry ${registry.url}`, { hint: `The registry comes from ${registry.source}.`, details: { registry: registry.url, dependency: target.name, wanted: String(target.wanted) } })
        : registryError(e, registry, packageName);
    throw new AnimaError('EDEPENDENCIES', `Installing the dependencies of ${pkg.name}@${pkg.version} failed: ${err.message}`, {
      hint: err.hint,
      details: { ...err.details, package: `${pkg.name}@${pkg.version}`, cause: messageOf(e) },
      cause: e,
    });
  } finally {
    writeFileSync(pkgFile, original);
    if (addedLock) rmSync(lock, { force: true });
  }
}

/** A plan worked out from the registry's manifest while the package downloads (planned-tree.ts). */
interface EarlyPlan {
  plan: Lockfile;
  result: Promise<PlanResult>;
}

/**
 * Arborist's own call for a manifest (build-ideal-tree.js #fetchManifest), with the options it
 * would have. An exact version is read from the cached packument first, as the runtime's own
 * is (`resolveExact`): a published version never changes, so only a packument cached before
 * it was published needs the registry.
 */
function manifestFetcher(options: Record<string, unknown>): FetchManifest {
  const pacote = npmFetch().pacote as unknown as PacoteLike;
  const full = { ...options, fullMetadata: true };
  return (name, spec) => (semver.valid(spec) === spec ? exactVersionManifest(pacote, `${name}@${spec}`, full) : pacote.manifest(`${name}@${spec}`, full));
}

/**
 * Before the package is downloaded: the plan from the registry's manifest (which npm made
 * from the package.json at publish), so that a changed dependency is asked of the registry
 * while the tarball comes. Null when it can't apply (then Arborist's process is warmed now).
 */
function startPlan(manifest: Record<string, unknown>, previousDir: string, options: Record<string, unknown>): EarlyPlan | null {
  if (process.platform === 'win32' || manifest._hasShrinkwrap) return null;
  const { devDependencies: _dev, ...pkg } = manifest;
  if (declineRoot(pkg, options) !== null) return null;
  const plan = lockFromPrevious(previousDir, pkg, registryResolver(options));
  if (!plan) return null;
  const result = planTree(plan, manifestFetcher(options), options);
  // Its errors count only if it is used (layOutWithoutArborist awaits it then).
  result.catch(() => {});
  return { plan, result };
}

/**
 * The next version's tree worked out from the plan and laid out from the store, with no
 * Arborist and no second process (planned-tree.ts, store-layout.ts); or why not, and then
 * Arborist installs. Nothing is laid out in the staging folder unless it all can be. No
 * store on Windows (package-store.ts), so no layout from it either.
 */
async function layOutWithoutArborist(pkg: Record<string, unknown>, plan: Lockfile, early: EarlyPlan | null, options: Record<string, unknown>, stage: string, store: string, onChild: (m: Exclude<ChildMessage, { stats: unknown } | { error: unknown }>) => void): Promise<{ stats: StoreStats } | { declined: string }> {
  if (process.platform === 'win32') return { declined: 'no package store on Windows' };
  // The package.json, not the manifest, has the last word on the root (scripts, overrides: the plan's root holds neither).
  const rootDecline = declineRoot(pkg, options);
  if (rootDecline) return { declined: rootDecline };
  let planned: PlanResult;
  try {
    planned = early && JSON.stringify(early.plan.packages['']) === JSON.stringify(plan.packages['']) ? await early.result : await planTree(plan, manifestFetcher(options), options);
  } catch (e) {
    // A changed dependency the registry didn't give (a blip, a 404): Arborist asks again, and reports what stays wrong as always.
    return { declined: `a changed dependency could not be resolved (${errorCode(e) ?? 'error'})` };
  }
  if ('declined' in planned) return planned;
  const { pacote, normalizeBin } = npmFetch();
  const laid = await layoutPlanned({
    stage,
    store,
    tree: planned.tree,
    extract: (e, dest) => pacote.extract(String(e.resolved), dest, { ...options, integrity: e.integrity, resolved: e.resolved } as pacote.Options),
    normalizeBin,
    onProgress: (packages) => onChild({ packages }),
  });
  if ('stats' in laid) onChild({ phase: 'seeded', count: laid.stats.seeded + laid.stats.linked });
  return laid;
}

/**
 * Arborist in a child process (reify-child.ts) whose environment is the services' allowlist.
 * Dependencies' install scripts run as npm runs them, but @npmcli/run-script hands them
 * `{ ...process.env }` of whoever runs Arborist: in the CLI or the supervisor that holds
 * the user's tokens, npm_config_* with registry passwords, proxy credentials. The npm
 * options (credentials keyed per registry included) travel on stdin, never in the
 * environment or the command line, which other local users can read.
 *
 * The child is started before it is needed (`warm`), when an install begins or, beside an
 * installed version, once the next is resolved and likely to need it: its Node and npm's
 * engine load while the runtime package is downloaded, and then it waits for its input.
 * Cancelled (nothing to install after all, or a failure first), it exits.
 */
export class DependencyInstaller {
  private child: ChildProcess | null = null;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> | null = null;
  private stderr = '';
  private used = false;

  /** Starts the child now, so that its Node and npm's engine load while other work goes on. */
  warm(): void {
    if (this.child || this.used) return;
    const node = nodeCommand();
    const child = spawn(node.command, [reifyChildScript(), npmEngineFile(), codeCacheDir() ?? 'off'], {
      env: { ...scrubbedEnv(process.env), ...node.env },
      // fd 4 is a lifeline, never written: it closes when we die (even by SIGKILL), and the child
      // then stops rather than go on writing into a staging folder the next install sweeps.
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    // Read (nothing ever comes) so that the child's exit ends it and 'close' can fire.
    child.stdio[4]!.on('data', () => {}).on('error', () => {});
    // A child that died at once (run reports its exit) must not crash us with EPIPE.
    child.stdin!.on('error', () => {});
    child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Not needed after all: a child already started reads an empty input and exits. */
  cancel(): void {
    if (this.used) return;
    this.used = true;
    this.child?.stdin!.end();
  }

  async run(options: Record<string, unknown>, dir: string, store: string | null, onChild: (m: Exclude<ChildMessage, { stats: unknown } | { error: unknown }>) => void): Promise<StoreStats> {
    if (this.used) throw new Error('a DependencyInstaller runs once');
    this.warm();
    this.used = true;
    const child = this.child!;
    // Beside the staging folder, who writes into it: a later install that finds this child
    // alive (its parent was killed before the lifeline ended it) stops it before sweeping.
    const writer = writerRecordOf(dir);
    if (child.pid) writeJsonWhole(writer, refOf(child.pid));
    // fd 3 carries NDJSON (ChildMessage): progress as Arborist goes, then the store's stats or the error.
    let error: { message?: string } | undefined;
    let stats: StoreStats | undefined;
    let lastReport = 0;
    child.stdio[3]!.on(
      'data',
      ndjsonReader<ChildMessage>((msg) => {
        if ('error' in msg) error = msg.error;
        else if ('stats' in msg) stats = msg.stats;
        else if ('phase' in msg) onChild(msg);
        // A line per package; a few a second are enough for a bar.
        else if (msg.packages.done === msg.packages.total || Date.now() - lastReport > 100) {
          lastReport = Date.now();
          onChild(msg);
        }
      }),
    );
    const input: ReifyInput = { engine: npmEngineFile(), options: { ...options, path: dir, audit: false, fund: false }, store };
    child.stdin!.end(JSON.stringify(input));
    const exit = await this.exited!;
    rmSync(writer, { force: true });
    if (exit.error) throw exit.error;
    if (exit.code === 0 && stats) return stats;
    throw Object.assign(new Error(error?.message ?? `the dependency installer exited with ${exit.signal ?? `code ${exit.code}`}: ${this.stderr.trim()}`), error ?? {});
  }
}

/** dist/reify-child.cjs, beside the bundle that runs (dist/ for the CLI, the supervisor and its registry worker; dist/app/ for the app). */
function reifyChildScript(): string {
  return bundleFile('reify-child', 'The dependency installer');
}
