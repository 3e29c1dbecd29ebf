// Upgrade bench: the one-click upgrade (`animactl upgrade`, 1.0.0 → 1.1.0 of the
// reference runtime: install beside, drain, swap, restart, verify) next to the seed's
// way of doing it by hand: `npm install --omit=dev` of the new version into a folder,
// then stop the old services (`animactl stop`, which drains) and cold-start the
// npm-installed copy's web.js and agent.js directly until /api/health answers 200.
// Both with a warm npm cache, from the same local registry, with a fresh home running
// 1.0.0 (started untimed) for every run; a poller measures how long the web service
// is unreachable in each.
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CLI, PKG } from '../test/helpers/world';
import { median, type Table } from './table';
import {
  contractEnv,
  delay,
  outage,
  POLL_MS,
  pidOf,
  startDirect,
  startPoller,
  timed,
  waitGone,
  waitHealthy,
  type Ran,
  benchWorld,
} from './proc';

export const title = 'Upgrade: `animactl upgrade` vs npm install + cold restart';

const FROM = '1.0.0';
const TO = '1.1.0';

interface AnimactlRun {
  total: number;
  install: number;
  restart: number;
  verify: number;
  downtime: number;
}
interface NpmRun {
  total: number;
  install: number;
  stop: number;
  start: number;
  downtime: number;
}

/** ms (since the CLI was spawned) of the first progress line matching `re`. */
function lineAt(r: Ran, re: RegExp, what: string): number {
  const l = r.lines.find((x) => re.test(x.line));
  if (!l) throw new Error(`bench: no "${what}" line in the upgrade's progress:\n${r.stderr}`);
  return l.ms;
}

export async function run(): Promise<Table> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  const budgetS = Number(process.env.BENCH_BUDGET_S) || 150;
  const deadline = performance.now() + budgetS * 1000;
  const log = (s: string) => process.stderr.write(`[upgrade] ${s}\n`);

  return benchWorld(log, async (world) => {
    let n = 0;
    const fresh = (what: string) => {
      const d = join(world.tmp, `${what}-${++n}`);
      mkdirSync(d, { recursive: true });
      return d;
    };
    // One warm cache per tool, each filled by its untimed warm-up run (as in the install bench).
    const cache = { animactl: fresh('cache-animactl'), npm: fresh('cache-npm') };
    const cli = (label: string, h: { home: string; env: NodeJS.ProcessEnv }, args: string[]) =>
      timed(label, process.execPath, [CLI, ...args], { env: { ...world.env, ...h.env, ANIMA_HOME: h.home } });

    /** A fresh home running FROM under its supervisor (untimed). */
    const homeOnFrom = async (npmCache: string, extraEnv: NodeJS.ProcessEnv = {}) => {
      const h = await world.supervisedHome({ npm_config_cache: npmCache, ...extraEnv });
      await cli(`start ${FROM}`, h, ['start', '--no-browser', '--version', FROM]);
      return h;
    };
    /** Stops whatever runs for the home and removes it (untimed). */
    const dropHome = async (h: { home: string; env: NodeJS.ProcessEnv }) => {
      const pids = (['supervisor', 'web', 'agent'] as const).map((s) => pidOf(h.home, s));
      if (pids.some((p) => p !== null)) await cli('stop', h, ['stop']);
      await waitGone(pids);
      rmSync(h.home, { recursive: true, force: true });
    };
    const serverVersion = async (port: number) => {
      const r = await fetch(`http://127.0.0.1:${port}/api/server-info`);
      return ((await r.json()) as { version?: string }).version;
    };

    /**
     * `prepared`: the supervisor's first update check comes 200 ms after it starts, finds TO
     * and installs it beside FROM in the background (updates.prepare, the default); the run
     * waits (untimed) until the status says so, as a user sees the Upgrade button say it is
     * ready. Otherwise the first check is 10 minutes away: the click installs.
     */
    const animactlOnce = async (prepared = false): Promise<AnimactlRun> => {
      const h = await homeOnFrom(cache.animactl, prepared ? { ANIMA_FIRST_UPDATE_CHECK_MS: '200' } : {});
      try {
        if ((await serverVersion(h.port)) !== FROM) throw new Error(`bench: the home does not run ${FROM}`);
        const until = performance.now() + 30_000;
        for (;;) {
          const u = JSON.parse((await cli('status', h, ['status', '--json'])).stdout).update;
          if (!prepared ? !u?.prepared : u?.prepared) break;
          if (!prepared) throw new Error(`bench: ${TO} was prepared although the home's first check is 10 minutes away`);
          if (performance.now() > until) throw new Error(`bench: ${TO} was not prepared within 30 s: ${JSON.stringify(u)}`);
          await delay(100);
        }
        // The supervisor's registry worker (it installed FROM, or TO) outlives its last task by 3 s:
        // a user's click comes later than that, so the click pays for starting it again.
        await delay(3500);
        const poller = startPoller(`http://127.0.0.1:${h.port}/api/health`);
        await delay(100);
        const t0 = performance.now();
        const r = await cli('animactl upgrade', h, ['upgrade']);
        const polls = await poller.stop();
        if (!/Upgraded 1\.0\.0 → 1\.1\.0; verified/.test(r.stdout)) throw new Error(`bench: the upgrade did not verify:\n${r.stdout}${r.stderr}`);
        if ((await serverVersion(h.port)) !== TO) throw new Error(`bench: the home does not run ${TO} after the upgrade`);
        const drain = lineAt(r, /^(Draining|Stopping web)/, 'Draining');
        const verifying = lineAt(r, /^Verifying /, 'Verifying');
        const o = outage(polls, t0);
        return { total: r.ms, install: drain, restart: verifying - drain, verify: r.ms - verifying, downtime: o ? o.ms : 0 };
      } finally {
        await dropHome(h);
      }
    };

    let environment = 'stable';
    const npmOnce = async (): Promise<NpmRun> => {
      const h = await homeOnFrom(cache.npm);
      const dir = fresh('npm-project');
      writeFileSync(join(dir, 'package.json'), '{}\n');
      try {
        if ((await serverVersion(h.port)) !== FROM) throw new Error(`bench: the home does not run ${FROM}`);
        const url = `http://127.0.0.1:${h.port}/api/health`;
        const poller = startPoller(url);
        await delay(100);
        const t0 = performance.now();
        const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts=false', `${PKG}@${TO}`, '--registry', world.registry.url, '--cache', cache.npm];
        const install = await timed('npm install', 'npm', args, { cwd: dir, env: world.env });
        const stop = await cli('animactl stop', h, ['stop']);
        const t2 = performance.now();
        const runtimeDir = realpathSync(join(dir, 'node_modules', PKG));
        const base = { home: h.home, environment, runtimeDir, version: TO, port: h.port };
        const web = startDirect([join(runtimeDir, 'web.js')], contractEnv(world.env, { ...base, service: 'web' }), h.home);
        const agent = startDirect([join(runtimeDir, 'agent.js')], contractEnv(world.env, { ...base, service: 'agent' }), h.home);
        let t3: number;
        try {
          t3 = (await waitHealthy(url, 15_000, web.alive)).answeredAt;
        } catch (e) {
          throw new Error(`${(e as Error).message}\n${web.output()}`);
        }
        const polls = await poller.stop();
        try {
          if (!agent.alive()) throw new Error(`bench: the npm-installed agent exited:\n${agent.output()}`);
          if ((await serverVersion(h.port)) !== TO) throw new Error(`bench: the npm-installed web does not say ${TO}`);
        } finally {
          await Promise.all([web.stop(), agent.stop()]);
        }
        const o = outage(polls, t0);
        return { total: t3 - t0, install: install.ms, stop: stop.ms, start: t3 - t2, downtime: o ? o.ms : 0 };
      } finally {
        await dropHome(h);
        rmSync(dir, { recursive: true, force: true });
      }
    };

      // Untimed warm-up: fills each tool's cache (FROM and TO, tiny-dep) and the OS file cache.
      log('warm-up: one untimed run each');
      {
        const h = await homeOnFrom(cache.npm);
        environment = JSON.parse((await cli('status', h, ['status', '--json'])).stdout).environment;
        await dropHome(h);
      }
      await animactlOnce();
      await animactlOnce(true);
      await npmOnce();

      const a: AnimactlRun[] = [];
      const p: AnimactlRun[] = [];
      const m: NpmRun[] = [];
      let stoppedEarly = false;
      for (let i = 1; i <= runs; i++) {
        const roundStart = performance.now();
        // Interleaved, in alternating order, so drift on the machine hits both alike.
        if (i % 2) {
          a.push(await animactlOnce());
          p.push(await animactlOnce(true));
          m.push(await npmOnce());
        } else {
          m.push(await npmOnce());
          p.push(await animactlOnce(true));
          a.push(await animactlOnce());
        }
        const x = a.at(-1)!;
        const z = p.at(-1)!;
        const y = m.at(-1)!;
        log(`run ${i}/${runs}: animactl upgrade ${Math.round(x.total)} ms (downtime ${Math.round(x.downtime)}), prepared ${Math.round(z.total)} ms (downtime ${Math.round(z.downtime)}), npm + cold restart ${Math.round(y.total)} ms (downtime ${Math.round(y.downtime)})`);
        if (i < runs && performance.now() + (performance.now() - roundStart) > deadline) {
          log(`stopping after ${i} runs: the next one would pass the time budget (BENCH_BUDGET_S=${budgetS})`);
          stoppedEarly = true;
          break;
        }
      }

      const col = <T>(xs: T[], k: keyof T) => xs.map((x) => x[k] as unknown as number);
      const ratio = (p: number[], q: number[]) => ({ 'animactl/npm': `${(median(p) / median(q)).toFixed(2)}×` });
      return {
        title,
        rows: [
          { label: `\`animactl upgrade\` ${FROM} → ${TO}, total`, samples: col(a, 'total'), extra: ratio(col(a, 'total'), col(m, 'total')) },
          { label: '… install beside the running version', samples: col(a, 'install') },
          { label: '… drain, stop, swap, start', samples: col(a, 'restart') },
          { label: '… verify (contract checks) and exit', samples: col(a, 'verify') },
          { label: `\`animactl upgrade\` ${FROM} → ${TO}, prepared in the background, total`, samples: col(p, 'total'), extra: ratio(col(p, 'total'), col(m, 'total')) },
          { label: '… the CLI, and the version on offer found installed', samples: col(p, 'install') },
          { label: '… drain, stop, swap, start', samples: col(p, 'restart') },
          { label: '… verify (contract checks) and exit', samples: col(p, 'verify') },
          { label: 'npm install + `animactl stop` + cold start, total', samples: col(m, 'total') },
          { label: '… `npm install --omit=dev`', samples: col(m, 'install') },
          { label: '… `animactl stop` (drain, stop)', samples: col(m, 'stop') },
          { label: '… start web.js + agent.js → /api/health 200', samples: col(m, 'start') },
          { label: 'web downtime, `animactl upgrade`', samples: col(a, 'downtime'), extra: ratio(col(a, 'downtime'), col(m, 'downtime')) },
          { label: 'web downtime, `animactl upgrade` prepared', samples: col(p, 'downtime'), extra: ratio(col(p, 'downtime'), col(m, 'downtime')) },
          { label: 'web downtime, npm install + cold restart', samples: col(m, 'downtime') },
        ],
        notes: [
          `The reference runtime ${PKG} (test/fixtures/runtime, one dependency: tiny-dep) ${FROM} and ${TO} from a local verdaccio (${world.registry.url}). Every run starts from a fresh home running ${FROM} under its supervisor (\`animactl start --version ${FROM}\`, untimed) with both services up and nothing queued.`,
          '`animactl upgrade`: wall time of the CLI process; the supervisor resolves the stable channel, installs the new version beside the running one, drains the agent, stops web, swaps the pin, starts both and runs the contract checks (pids changed, server-info, started-at, health, dashboard, provider configs, deep health). Its phases are split at the arrival of the "Draining"/"Stopping web" and "Verifying" progress lines on the CLI\'s stderr.',
          `Prepared: the same upgrade from a home whose supervisor had made its first update check 200 ms after it started, found ${TO} on offer and installed it beside ${FROM} in the background (\`updates.prepare\`, on by default; never pinned or started); the run starts once \`status\` says \`update.prepared\`, as the Upgrade button says it is ready. Both animactl cases wait 3.5 s before the click, so the supervisor's registry worker (kept 3 s after its last task) has exited, as it has by the time a user clicks. The click goes to the version on offer, finds it installed (no registry, no install), and drains, restarts and verifies. The first rows are a home whose first check is 10 minutes away: the click asks the registry for the channel's version and installs it.`,
          `npm path (the seed's way): \`npm install --omit=dev --no-audit --no-fund --ignore-scripts=false ${PKG}@${TO} --registry URL --cache DIR\` into a fresh folder holding \`{}\`, then \`animactl stop\` (drains, stops web and the supervisor), then \`node web.js\` and \`node agent.js\` of the npm-installed copy spawned by the bench with the contract environment on the home's port, until /api/health answers 200 (polled every ${POLL_MS} ms; timed to the arrival of that 200). Nothing is verified beyond that 200 (and, untimed, that it says ${TO}).`,
          'Warm caches for both: one npm cache per tool, filled by one untimed warm-up run of each; same sandboxed HOME, same registry. Runs interleaved in alternating order.',
          `Downtime: the bench GETs /api/health every ${POLL_MS} ms (BENCH_POLL_MS; a new connection each time) throughout; the outage runs from halfway between the last 200 and the first failed poll to halfway between the last failed poll and the next 200 (send times): a whole number of poll intervals, so ± ${POLL_MS} ms.`,
          `ratio = median of animactl / median of the npm path (below 1: animactl is faster).`,
          ...(stoppedEarly ? [`Stopped after ${a.length} of ${runs} runs to stay within the time budget (BENCH_BUDGET_S=${budgetS}).`] : []),
          `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${cpus().length} CPUs); other work on the machine shows up as spread between min and max.`,
        ],
      };
  });
}
