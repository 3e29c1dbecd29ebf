// Install bench: the same reference-runtime version, with a realistic dependency
// tree, from the same local registry, installed by this installer
// (`animactl runtime install --version V`) and by `npm install --omit=dev` into
// an empty folder, each with a cold and a warm npm cache. Whole-process wall time,
// as a user would see it: process start, config loading, resolution, download,
// extraction, and (for animactl) the contract check and activation.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CLI, REPO, startWorld, type World } from '../test/helpers/world';
import { buildRuntimePackage } from '../test/helpers/fixtures';
import { startTamperingRegistry, type BadServer } from '../test/helpers/bad-registries';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, type Table } from './table';

export const title = 'Install: animactl vs npm';

/** Real packages from this checkout's node_modules that the bench runtime depends on (with their own dependencies). */
const ROOTS = ['debug', 'semver', 'ms', 'picocolors', 'chalk', 'yargs', 'execa', 'glob', 'tar'];
const RUNTIME = '@meetquinn/animactl';
const VERSION = '1.5.0';
const TINY_DEP = '@anima-fixtures/tiny-dep';
const CHILD_TIMEOUT_MS = 120_000;
/** A registry across the internet: each request held back this long (BENCH_FAR_MS). */
const FAR_MS = Number(process.env.BENCH_FAR_MS) || 40;

interface LocalPkg {
  name: string;
  version: string;
  dir: string;
}

/** Finds `name` from `from` the way Node does: the nearest node_modules upwards. */
function resolvePkgDir(from: string, name: string): string | null {
  for (let d = from; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) return null;
  }
}

export function readPkg(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/**
 * The roots and everything they depend on (dependencies and required peers), as
 * installed in this checkout. Refuses what would make the comparison unfair or
 * fail offline: install scripts, optional dependencies, pre-releases.
 */
export function dependencyClosure(roots: string[]): LocalPkg[] {
  const seen = new Map<string, LocalPkg>();
  const queue: string[] = roots.map((r) => {
    const d = resolvePkgDir(REPO, r);
    if (!d) throw new Error(`bench: ${r} is not installed in ${REPO}/node_modules`);
    return d;
  });
  while (queue.length) {
    const dir = queue.shift()!;
    const pkg = readPkg(dir);
    const key = `${pkg.name}@${pkg.version}`;
    if (seen.has(key)) continue;
    const scripts = pkg.scripts ?? {};
    if (scripts.preinstall || scripts.install || scripts.postinstall) throw new Error(`bench: ${key} has install scripts; pick other roots`);
    if (Object.keys(pkg.optionalDependencies ?? {}).length) throw new Error(`bench: ${key} has optional dependencies; pick other roots`);
    if (/-/.test(pkg.version)) throw new Error(`bench: ${key} is a pre-release; pick other roots`);
    seen.set(key, { name: pkg.name, version: pkg.version, dir });
    const peers = Object.keys(pkg.peerDependencies ?? {}).filter((n) => !pkg.peerDependenciesMeta?.[n]?.optional);
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...peers]) {
      const d = resolvePkgDir(dir, dep);
      if (!d) throw new Error(`bench: ${key} needs ${dep}, which is not installed`);
      queue.push(d);
    }
  }
  return [...seen.values()];
}

export async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/** `name@version` of every package under a node_modules folder, nested ones included. */
function installedTree(nodeModules: string): string[] {
  const found: string[] = [];
  const visitPackage = (dir: string) => {
    if (!existsSync(join(dir, 'package.json'))) return;
    const pkg = readPkg(dir);
    found.push(`${pkg.name}@${pkg.version}`);
    walk(join(dir, 'node_modules'));
  };
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      if (entry.name.startsWith('@')) {
        for (const sub of readdirSync(join(nm, entry.name), { withFileTypes: true })) if (sub.isDirectory()) visitPackage(join(nm, entry.name, sub.name));
      } else visitPackage(join(nm, entry.name));
    }
  };
  walk(nodeModules);
  return found.sort();
}

interface Timed {
  ms: number;
}

/**
 * Runs every case once per round, interleaved, in an order rotated each round, so drift on
 * the machine hits every case alike; stops early rather than pass the deadline. True if it did.
 */
export async function interleavedRounds(cases: [number[], () => Promise<number>][], runs: number, deadline: number, log: (s: string) => void, describe: (round: number) => string): Promise<boolean> {
  for (let i = 1; i <= runs; i++) {
    const roundStart = performance.now();
    for (let k = 0; k < cases.length; k++) {
      const [into, measure] = cases[(k + i - 1) % cases.length];
      into.push(await measure());
    }
    const roundMs = performance.now() - roundStart;
    log(describe(i));
    if (i < runs && performance.now() + roundMs > deadline) {
      log(`stopping after ${i} runs: the next one would pass the time budget (BENCH_BUDGET_S=${process.env.BENCH_BUDGET_S ?? 'default'})`);
      return true;
    }
  }
  return false;
}

/** Runs a child to completion and times it; a failure aborts the bench with the child's output. */
export function timedRun(label: string, command: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      if (code === 0) resolve({ ms });
      else reject(new Error(`bench: ${label} failed (${signal ?? `exit ${code}`}):\n$ ${command} ${args.join(' ')}\n${output}`));
    });
  });
}

/**
 * Publishes ROOTS and their dependencies (packed from this checkout's node_modules)
 * and RUNTIME@VERSION, the reference runtime depending on them and on tiny-dep,
 * without a shrinkwrap: the installer resolves the tree as npm does.
 */
export async function publishBenchRuntime(world: World): Promise<{ published: number; name: string; version: string }> {
  const closure = dependencyClosure(ROOTS);
  await inParallel(closure, 4, (p) => world.registry.publish(p.dir));
  const pkgDir = buildRuntimePackage(join(world.tmp, 'pkgs'), { version: VERSION });
  const manifest = readPkg(pkgDir);
  manifest.dependencies = {
    [TINY_DEP]: '^1.0.0',
    ...Object.fromEntries(ROOTS.map((r) => [r, `^${readPkg(resolvePkgDir(REPO, r)!).version}`])),
  };
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(join(pkgDir, 'npm-shrinkwrap.json'));
  await world.registry.publish(pkgDir);
  return { published: closure.length, name: RUNTIME, version: VERSION };
}

export async function run(): Promise<Table> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  // Rounds stop early rather than overrun this budget (six cases, the slowest npm's through a far registry: under 4 minutes).
  const budgetS = Number(process.env.BENCH_BUDGET_S) || 210;
  const deadline = performance.now() + budgetS * 1000;
  const log = (s: string) => process.stderr.write(`[install] ${s}\n`);
  const world: World = await startWorld({ standard: false });
  log(`temp folders: ${world.tmp}, ${dirname(world.registry.storage)}`);
  // Ctrl-C: remove the temp folders (the world's and the registry's storage) before dying.
  const onSigint = () => {
    for (const d of [world.tmp, dirname(world.registry.storage)]) rmSync(d, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  let far: BadServer | undefined;
  try {
    // 1. The registry: real packages from node_modules, and a runtime version that depends on them.
    const t0 = performance.now();
    const { published } = await publishBenchRuntime(world);
    log(`published ${published} real packages + tiny-dep + ${RUNTIME}@${VERSION} in ${Math.round(performance.now() - t0)} ms`);

    // 2. The contenders. Same sandboxed HOME (no user .npmrc), same registry, own cache per case.
    let n = 0;
    const fresh = (what: string) => {
      const d = join(world.tmp, `${what}-${++n}`);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const warmCache = { animactl: fresh('cache-animactl-warm'), npm: fresh('cache-npm-warm'), animactlFar: fresh('cache-animactl-far'), npmFar: fresh('cache-npm-far') };
    // The registry as users have it, a round trip away: the same verdaccio behind a proxy that holds every request back FAR_MS.
    far = await startTamperingRegistry(world.registry.url, { before: () => sleep(FAR_MS) });
    const trees: Record<string, string[]> = {};

    const animactl = async (cache: string, registry = world.registry.url): Promise<number> => {
      const home = join(world.tmp, `home-${++n}`);
      const r = await timedRun('animactl runtime install', process.execPath, [CLI, 'runtime', 'install', '--version', VERSION], {
        env: { ...world.env, ANIMA_HOME: home, npm_config_cache: cache, ANIMA_REGISTRY: registry },
      });
      trees.animactl ??= installedTree(join(home, 'runtime', 'versions', VERSION, 'node_modules'));
      rmSync(home, { recursive: true, force: true });
      return r.ms;
    };
    const npm = async (cache: string, registry = world.registry.url): Promise<number> => {
      const dir = fresh('npm-project');
      writeFileSync(join(dir, 'package.json'), '{}\n');
      const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts=false', `${RUNTIME}@${VERSION}`, '--registry', registry, '--cache', cache];
      const r = await timedRun('npm install', 'npm', args, { cwd: dir, env: world.env });
      // The runtime itself sits beside its dependencies in an npm project; animactl's tree holds only the dependencies.
      trees.npm ??= installedTree(join(dir, 'node_modules')).filter((p) => !p.startsWith(`${RUNTIME}@`));
      rmSync(dir, { recursive: true, force: true });
      return r.ms;
    };
    const cold = async (tool: (cache: string) => Promise<number>) => {
      const cache = fresh('cache-cold');
      try {
        return await tool(cache);
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    };

    // Untimed warm-up: fills the warm caches, and the OS file cache with both tools' own code.
    log('warm-up: one untimed run each');
    await animactl(warmCache.animactl);
    await npm(warmCache.npm);
    const farUrl = far.url;
    await animactl(warmCache.animactlFar, farUrl);
    await npm(warmCache.npmFar, farUrl);

    const samples = { animactlCold: [] as number[], animactlWarm: [] as number[], npmCold: [] as number[], npmWarm: [] as number[], animactlFar: [] as number[], npmFar: [] as number[] };
    const cases: [number[], () => Promise<number>][] = [
      [samples.animactlCold, () => cold(animactl)],
      [samples.npmCold, () => cold(npm)],
      [samples.animactlWarm, () => animactl(warmCache.animactl)],
      [samples.npmWarm, () => npm(warmCache.npm)],
      [samples.animactlFar, () => animactl(warmCache.animactlFar, farUrl)],
      [samples.npmFar, () => npm(warmCache.npmFar, farUrl)],
    ];
    const stoppedEarly = await interleavedRounds(cases, runs, deadline, log, (i) =>
      `run ${i}/${runs}: animactl ${Math.round(samples.animactlCold.at(-1)!)}/${Math.round(samples.animactlWarm.at(-1)!)} ms, npm ${Math.round(samples.npmCold.at(-1)!)}/${Math.round(samples.npmWarm.at(-1)!)} ms (cold/warm), ${Math.round(samples.animactlFar.at(-1)!)}/${Math.round(samples.npmFar.at(-1)!)} ms (animactl/npm, registry ${FAR_MS} ms away)`,
    );
    // Process start alone, for scale: neither command touches the registry.
    const startup = { animactl: [] as number[], npm: [] as number[] };
    for (let i = 0; i < 5; i++) {
      startup.animactl.push((await timedRun('animactl --help', process.execPath, [CLI, '--help'], { env: world.env })).ms);
      startup.npm.push((await timedRun('npm --version', 'npm', ['--version'], { env: world.env })).ms);
    }

    const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}×`;
    const count = (t: string[] | undefined) => String(t?.length ?? '?');
    const sameTree = JSON.stringify(trees.animactl) === JSON.stringify(trees.npm);
    const notes = [
      `${RUNTIME}@${VERSION} (the reference runtime) depending on tiny-dep and ${ROOTS.join(', ')}: ` +
        `${published + 1} packages published from this checkout's node_modules to a local verdaccio (${world.registry.url}).`,
      `Installed tree: ${count(trees.animactl)} packages by animactl, ${count(trees.npm)} by npm (not counting the runtime itself)` +
        (sameTree ? ', identical name@version sets.' : `; the sets DIFFER: only animactl: ${diff(trees.animactl, trees.npm)}; only npm: ${diff(trees.npm, trees.animactl)}.`),
      'animactl: `node dist/cli.cjs runtime install --version ' + VERSION + '`, a fresh ANIMA_HOME each run, npm_config_cache set per case.',
      'npm: `npm install --omit=dev --no-audit --no-fund --ignore-scripts=false ' + `${RUNTIME}@${VERSION}` + ' --registry URL --cache DIR` in a fresh folder holding `{}` as package.json.',
      'cold = a new empty cache each run; warm = a cache filled by an untimed warm-up run and reused. Wall time of the whole process; runs interleaved; registry on 127.0.0.1 in the bench process.',
      `${FAR_MS} ms away: the same registry behind a proxy on 127.0.0.1 that holds every request back ${FAR_MS} ms (a registry across the internet), its answers without conditional revalidation; warm caches of their own, filled through it. npm resolves a package's dependencies one after another; animactl asks for them together (main/core/packument-prefetch.ts).`,
      'ratio = median of animactl / median of npm with the same cache state (below 1: animactl is faster).',
      `Process start alone, median of 5: \`animactl --help\` ${Math.round(median(startup.animactl))} ms, \`npm --version\` ${Math.round(median(startup.npm))} ms.`,
      ...(stoppedEarly ? [`Stopped after ${samples.npmWarm.length} of ${runs} runs to stay within the time budget (BENCH_BUDGET_S=${budgetS}).`] : []),
      `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${cpus().length} CPUs); other work on the machine shows up as spread between min and max.`,
    ];
    return {
      title,
      rows: [
        { label: 'animactl, cold cache', samples: samples.animactlCold, extra: { 'animactl/npm': ratio(samples.animactlCold, samples.npmCold) } },
        { label: 'animactl, warm cache', samples: samples.animactlWarm, extra: { 'animactl/npm': ratio(samples.animactlWarm, samples.npmWarm) } },
        { label: 'npm, cold cache', samples: samples.npmCold },
        { label: 'npm, warm cache', samples: samples.npmWarm },
        { label: `animactl, warm cache, registry ${FAR_MS} ms away`, samples: samples.animactlFar, extra: { 'animactl/npm': ratio(samples.animactlFar, samples.npmFar) } },
        { label: `npm, warm cache, registry ${FAR_MS} ms away`, samples: samples.npmFar },
      ],
      notes,
    };
  } finally {
    process.removeListener('SIGINT', onSigint);
    await far?.close();
    await world.close();
  }
}

function diff(a: string[] | undefined, b: string[] | undefined): string {
  const only = (a ?? []).filter((x) => !(b ?? []).includes(x));
  return only.length ? only.join(', ') : '(none)';
}
