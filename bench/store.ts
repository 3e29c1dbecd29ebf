// Store bench: installing the next runtime version beside the current one, with the
// package store (runtime/store, hard links), against `npm install --omit=dev` and
// `pnpm install` of that same version into a fresh folder, all with warm caches; and the
// disk two kept versions take against one. The two versions differ as most upgrades do:
// the runtime's own code, and one dependency (tiny-dep 1.0.0 → 1.1.0) out of ~165.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CLI, REPO, type World } from '../test/helpers/world';
import { buildRuntimePackage } from '../test/helpers/fixtures';
import { dependencyClosure, inParallel, interleavedRounds, readPkg, timedRun } from './install';
import { benchWorld } from './proc';
import { median, type Table } from './table';
import type { StoreStats } from '../main/core/reify-child';

export const title = 'Store: next version beside the current one vs npm and pnpm';

// The install bench's roots plus three with large trees of their own: ~165 real packages.
const ROOTS = ['debug', 'semver', 'ms', 'picocolors', 'chalk', 'yargs', 'execa', 'glob', 'tar', 'express', '@npmcli/config', 'cacache', 'zod'];
const RUNTIME = '@meetquinn/animactl';
const CURRENT = '2.0.0';
const NEXT = '2.1.0';
const PNPM = 'pnpm@12.4.2';

/** The two runtime versions: same roots, their own code (a commit id), tiny-dep pinned to 1.0.0 and 1.1.0. */
async function publishVersions(world: World): Promise<number> {
  const closure = dependencyClosure(ROOTS);
  await inParallel(closure, 4, (p) => world.registry.publish(p.dir));
  for (const [version, tiny] of [[CURRENT, '1.0.0'], [NEXT, '1.1.0']]) {
    const dir = buildRuntimePackage(join(world.tmp, 'pkgs'), { version, extra: { commit: `bench-${version}` } });
    const manifest = readPkg(dir);
    manifest.dependencies = {
      '@anima-fixtures/tiny-dep': tiny,
      ...Object.fromEntries(ROOTS.map((r) => [r, `^${readPkg(join(REPO, 'node_modules', r)).version}`])),
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    rmSync(join(dir, 'npm-shrinkwrap.json'));
    await world.registry.publish(dir);
  }
  return closure.length;
}

/** pnpm's entry point: the devDependency if it is installed, else the copy npx keeps (fetched once). */
function pnpmBin(): string | null {
  const local = join(REPO, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local)) return local;
  const r = spawnSync('npx', ['--yes', '-p', PNPM, '-c', 'command -v pnpm'], { encoding: 'utf8', cwd: dirname(REPO) });
  const bin = r.stdout.trim().split('\n').pop();
  return r.status === 0 && bin && existsSync(bin) ? bin : null;
}

/** Disk use in KiB, as `du -sk` over all the paths at once: a file with several links counts once. */
function du(...paths: string[]): number {
  return Number(execFileSync('du', ['-sk', '-c', ...paths], { encoding: 'utf8' }).trim().split('\n').pop()!.split(/\s+/)[0]);
}

export async function run(): Promise<Table[]> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  const budgetS = Number(process.env.BENCH_BUDGET_S) || 150;
  const deadline = performance.now() + budgetS * 1000;
  const log = (s: string) => process.stderr.write(`[store] ${s}\n`);
  return benchWorld(log, async (world) => {
    const t0 = performance.now();
    const published = await publishVersions(world);
    log(`published ${published} real packages + tiny-dep + ${RUNTIME}@${CURRENT} and @${NEXT} in ${Math.round(performance.now() - t0)} ms`);

    let n = 0;
    const fresh = (what: string) => {
      const d = join(world.tmp, `${what}-${++n}`);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const cache = { animactl: fresh('cache-animactl'), npm: fresh('cache-npm'), pnpmStore: fresh('pnpm-store') };
    const animactlEnv = (home: string) => ({ ...world.env, ANIMA_HOME: home, npm_config_cache: cache.animactl });

    // The starting point of every "next version" run: CURRENT installed (its packages in the store). Copied with
    // `cp -a`, which keeps hard links, so each run starts from a home exactly like it.
    const template = join(world.tmp, 'home-template');
    await timedRun('animactl runtime install (template)', process.execPath, [CLI, 'runtime', 'install', '--version', CURRENT], { env: animactlEnv(template) });
    let stats: StoreStats | undefined;

    const animactlNext = async (): Promise<number> => {
      const home = join(world.tmp, `home-${++n}`);
      execFileSync('cp', ['-a', template, home]);
      const r = await timedRun('animactl runtime install (next)', process.execPath, [CLI, 'runtime', 'install', '--version', NEXT], { env: animactlEnv(home) });
      stats ??= JSON.parse(readFileSync(join(home, 'runtime', 'versions', NEXT, '.anima-install.json'), 'utf8')).store;
      rmSync(home, { recursive: true, force: true });
      return r.ms;
    };
    const animactlFirst = async (): Promise<number> => {
      const home = join(world.tmp, `home-${++n}`);
      const r = await timedRun('animactl runtime install (first)', process.execPath, [CLI, 'runtime', 'install', '--version', NEXT], { env: animactlEnv(home) });
      rmSync(home, { recursive: true, force: true });
      return r.ms;
    };
    const npm = async (): Promise<number> => {
      const dir = fresh('npm-project');
      writeFileSync(join(dir, 'package.json'), '{}\n');
      const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts=false', `${RUNTIME}@${NEXT}`, '--registry', world.registry.url, '--cache', cache.npm];
      const r = await timedRun('npm install', 'npm', args, { cwd: dir, env: world.env });
      rmSync(dir, { recursive: true, force: true });
      return r.ms;
    };
    const pnpmPath = pnpmBin();
    if (!pnpmPath) log(`${PNPM} could not be run: its column is left out`);
    const pnpm = async (): Promise<number> => {
      const dir = fresh('pnpm-project');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench', private: true, dependencies: { [RUNTIME]: NEXT } }));
      const args = ['install', '--prod', '--registry', world.registry.url, '--store-dir', cache.pnpmStore, '--reporter', 'silent'];
      const r = await timedRun('pnpm install', pnpmPath!, args, { cwd: dir, env: world.env });
      rmSync(dir, { recursive: true, force: true });
      return r.ms;
    };

    log('warm-up: one untimed run each');
    await animactlNext();
    await npm();
    if (pnpmPath) await pnpm();

    const samples = { next: [] as number[], first: [] as number[], npm: [] as number[], pnpm: [] as number[] };
    const cases: [number[], () => Promise<number>][] = [
      [samples.next, animactlNext],
      [samples.first, animactlFirst],
      [samples.npm, npm],
      ...(pnpmPath ? [[samples.pnpm, pnpm] as [number[], () => Promise<number>]] : []),
    ];
    const stoppedEarly = await interleavedRounds(cases, runs, deadline, log, (i) =>
      `run ${i}/${runs}: next ${Math.round(samples.next.at(-1)!)} ms, first ${Math.round(samples.first.at(-1)!)} ms, npm ${Math.round(samples.npm.at(-1)!)} ms${pnpmPath ? `, pnpm ${Math.round(samples.pnpm.at(-1)!)} ms` : ''}`,
    );

    // Disk: one version, two versions (the next installed beside it), and two npm installs for comparison.
    const two = join(world.tmp, `home-${++n}`);
    execFileSync('cp', ['-a', template, two]);
    await timedRun('animactl runtime install (disk)', process.execPath, [CLI, 'runtime', 'install', '--version', NEXT], { env: animactlEnv(two) });
    const oneKiB = du(join(template, 'runtime'));
    const twoKiB = du(join(two, 'runtime'));
    const npmDirs = [fresh('npm-disk'), fresh('npm-disk')];
    for (const [dir, v] of [[npmDirs[0], CURRENT], [npmDirs[1], NEXT]]) {
      writeFileSync(join(dir, 'package.json'), '{}\n');
      await timedRun('npm install (disk)', 'npm', ['install', '--omit=dev', '--no-audit', '--no-fund', `${RUNTIME}@${v}`, '--registry', world.registry.url, '--cache', cache.npm], { cwd: dir, env: world.env });
    }
    const npmOne = du(npmDirs[0]);
    const npmTwo = du(...npmDirs);
    const mb = (k: number) => `${(k / 1024).toFixed(1)} MB`;

    const ratio = (a: number[], b: number[]) => (b.length ? `${(median(a) / median(b)).toFixed(2)}×` : '');
    const notes = [
      `${RUNTIME}@${CURRENT} and @${NEXT}: the reference runtime depending on tiny-dep (1.0.0, then 1.1.0) and ${ROOTS.join(', ')}: ` +
        `${published + 2} packages published from this checkout's node_modules to a local verdaccio.`,
      `next: \`animactl runtime install --version ${NEXT}\` in a home holding ${CURRENT} (a \`cp -a\` copy of one prepared home, hard links kept); ` +
        `planned from ${CURRENT}'s installed tree (its node_modules/.package-lock.json as the lockfile: only the dependency that changed is asked of the registry); ` +
        (stats?.withoutArborist
          ? `the plan settled the whole tree, so it was laid out from the store without Arborist (main/core/planned-tree.ts): ${stats.seeded} packages from the store, ${stats.stored} entered it.`
          : `Arborist installed it${stats?.arboristBecause ? ` (${stats.arboristBecause})` : ''}: the store had ${stats?.seeded ?? '?'} of its packages (linked before Arborist ran), ${stats?.stored ?? '?'} entered the store, ${stats?.own ?? '?'} kept their own files.`),
      `first: the same install into an empty home (nothing to plan from, so every packument is asked for, as npm does, but up to 15 at a time where npm asks for a package's dependencies one after another; nothing in the store: every package unpacked by Arborist and made into a store entry of its own files, no install code having run and no bin rewritten).`,
      `npm: \`npm install --omit=dev ${RUNTIME}@${NEXT}\` into a fresh folder; pnpm: \`${PNPM} install --prod\` of a package.json depending on it, fresh folder, no lockfile, its store and metadata cache (under the sandboxed HOME) warm.`,
      'All warm: one npm cache for animactl, one for npm, one store and cache for pnpm, each filled by an untimed warm-up run. Wall time of the whole process; runs interleaved in a rotated order.',
      ...(pnpmPath ? [] : [`${PNPM} could not be run here: no pnpm column.`]),
      ...(stoppedEarly ? [`Stopped after ${samples.npm.length} of ${runs} runs to stay within the time budget (BENCH_BUDGET_S=${budgetS}).`] : []),
      `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${cpus().length} CPUs).`,
    ];
    return [
      {
        title,
        rows: [
          { label: `animactl, ${NEXT} beside ${CURRENT}`, samples: samples.next, extra: { '/npm': ratio(samples.next, samples.npm), '/pnpm': ratio(samples.next, samples.pnpm) } },
          { label: `animactl, ${NEXT} into an empty home`, samples: samples.first, extra: { '/npm': ratio(samples.first, samples.npm), '/pnpm': ratio(samples.first, samples.pnpm) } },
          { label: 'npm install --omit=dev, fresh folder', samples: samples.npm },
          ...(pnpmPath ? [{ label: 'pnpm install --prod, fresh folder, warm store', samples: samples.pnpm }] : []),
        ],
        notes,
      },
      {
        title: 'Store: disk taken by the versions kept (du -sk, hard links counted once)',
        unit: 'KiB',
        rows: [
          { label: `animactl runtime/, ${CURRENT} only`, samples: [oneKiB], extra: { size: mb(oneKiB), 'vs one': '1.00×' } },
          { label: `animactl runtime/, ${CURRENT} and ${NEXT}`, samples: [twoKiB], extra: { size: mb(twoKiB), 'vs one': `${(twoKiB / oneKiB).toFixed(2)}×` } },
          { label: `npm, ${CURRENT} in one folder`, samples: [npmOne], extra: { size: mb(npmOne), 'vs one': '1.00×' } },
          { label: `npm, ${CURRENT} and ${NEXT} in two folders`, samples: [npmTwo], extra: { size: mb(npmTwo), 'vs one': `${(npmTwo / npmOne).toFixed(2)}×` } },
        ],
        notes: ['One `du -sk -c` over all the folders of a row, so a file linked from two versions counts once.'],
      },
    ];
  });
}
