// Supervisor bench: what the always-on supervisor costs and buys, each next to its
// alternative, with real processes against the reference runtime 1.1.0:
//
// - `animactl status --json` answered by a running supervisor, next to the same
//   command with none running (read from disk) and to `node -e 0` (Node's own start-up,
//   the floor for any CLI written in Node);
// - the supervisor's CPU and memory while idle with both services running, next to
//   the web and agent processes it supervises and a bare idle Node process;
// - how long the dashboard is unreachable during `animactl restart` (drain, stop,
//   start, verify), next to the runtime's own cold boot (`node web.js` to the first
//   200 on /api/health).
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CLI, freePort } from '../test/helpers/world';
import { median, type Table } from './table';
import {
  contractEnv,
  cpuTicks,
  delay,
  outage,
  POLL_MS,
  pidOf,
  privateKiB,
  rssKiB,
  startDirect,
  startPoller,
  ticksPerSecond,
  timed,
  waitGone,
  waitHealthy,
  benchWorld,
} from './proc';

export const title = 'Supervisor: status latency, idle cost, restart downtime';

const VERSION = '1.1.0';
/** Idle windows the idle period is cut into: the table's median/min/max are over these. */
const WINDOWS = 6;

export async function run(): Promise<Table[]> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  const statusRuns = 4 * runs;
  const idleS = Number(process.env.BENCH_IDLE_S) || (process.env.BENCH_QUICK === '1' ? 20 : 60);
  const budgetS = Number(process.env.BENCH_BUDGET_S) || 150;
  const deadline = performance.now() + budgetS * 1000 + idleS * 1000;
  const log = (s: string) => process.stderr.write(`[supervisor] ${s}\n`);

  return benchWorld(log, async (world) => {
  const cli = (label: string, home: string, env: NodeJS.ProcessEnv, args: string[]) =>
    timed(label, process.execPath, [CLI, ...args], { env: { ...world.env, ...env, ANIMA_HOME: home } });

    // ------------------------------------------------------------ setup
    // A: running, supervised. B: the same version installed, started once and stopped (no supervisor).
    const a = await world.supervisedHome();
    await cli('start A', a.home, a.env, ['start', '--no-browser']);
    const b = await world.supervisedHome();
    await cli('start B', b.home, b.env, ['start', '--no-browser']);
    const bSupervisor = pidOf(b.home, 'supervisor');
    await cli('stop B', b.home, b.env, ['stop']);
    await waitGone([bSupervisor]);
    const sa = JSON.parse((await cli('status A', a.home, a.env, ['status', '--json'])).stdout);
    const sb = JSON.parse((await cli('status B', b.home, b.env, ['status', '--json'])).stdout);
    if (sa.services.web.state !== 'running' || sa.services.agent.state !== 'running' || !sa.supervisor?.pid || sa.runtime.version !== VERSION) {
      throw new Error(`bench: home A is not running ${VERSION} under a supervisor: ${JSON.stringify(sa)}`);
    }
    if (sb.supervisor !== null || sb.services.web.state !== 'stopped') throw new Error(`bench: home B should be stopped with no supervisor: ${JSON.stringify(sb)}`);
    log(`home A runs ${VERSION} (supervisor ${sa.supervisor.pid}); home B has it installed, nothing running`);

    // ------------------------------------------------------------ 1. status latency
    const lat = { node: [] as number[], help: [] as number[], withSup: [] as number[], fromDisk: [] as number[] };
    const latCases: [number[], () => Promise<number>][] = [
      [lat.node, async () => (await timed('node -e 0', process.execPath, ['-e', '0'], { env: world.env })).ms],
      [lat.help, async () => (await timed('animactl --help', process.execPath, [CLI, '--help'], { env: world.env })).ms],
      [lat.withSup, async () => (await cli('status A', a.home, a.env, ['status', '--json'])).ms],
      [lat.fromDisk, async () => (await cli('status B', b.home, b.env, ['status', '--json'])).ms],
    ];
    for (const [, m] of latCases) await m(); // warm-up: the OS file cache
    for (let i = 0; i < statusRuns; i++) {
      for (let k = 0; k < latCases.length; k++) {
        const [into, measure] = latCases[(k + i) % latCases.length];
        into.push(await measure());
      }
    }
    log(`status: node -e 0 ${Math.round(median(lat.node))} ms, animactl --help ${Math.round(median(lat.help))} ms, with supervisor ${Math.round(median(lat.withSup))} ms, from disk ${Math.round(median(lat.fromDisk))} ms (medians of ${statusRuns})`);

    // ------------------------------------------------------------ 2. restart downtime vs cold boot
    const webUrl = `http://127.0.0.1:${a.port}/api/health`;
    const runtimeDir = realpathSync(join(b.home, 'runtime', 'versions', VERSION));
    const rs = { downtime: [] as number[], wall: [] as number[], servedFor: [] as number[], cold: [] as number[] };
    const restartOnce = async () => {
      const poller = startPoller(webUrl);
      await delay(100); // a few 200s first, so the poller is known to work
      const t0 = performance.now();
      const r = await cli('animactl restart', a.home, a.env, ['restart']);
      const polls = await poller.stop();
      if (!/Restarted .*verified/.test(r.stdout)) throw new Error(`bench: restart did not verify:\n${r.stdout}${r.stderr}`);
      const o = outage(polls, t0);
      rs.wall.push(r.ms);
      rs.downtime.push(o ? o.ms : 0);
      if (o) rs.servedFor.push(o.firstFail);
    };
    const coldOnce = async () => {
      const port = await freePort();
      const env = contractEnv(world.env, { home: b.home, environment: sb.environment, service: 'web', runtimeDir, version: VERSION, port });
      const t0 = performance.now();
      const web = startDirect([join(runtimeDir, 'web.js')], env, b.home);
      try {
        const { readyAt } = await waitHealthy(`http://127.0.0.1:${port}/api/health`, 15_000, web.alive);
        rs.cold.push(readyAt - t0);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${web.output()}`);
      } finally {
        await web.stop();
      }
    };
    await coldOnce(); // warm-up
    rs.cold.length = 0;
    let restartsStoppedEarly = false;
    for (let i = 1; i <= runs; i++) {
      const roundStart = performance.now();
      if (i % 2) {
        await restartOnce();
        await coldOnce();
      } else {
        await coldOnce();
        await restartOnce();
      }
      log(`restart ${i}/${runs}: downtime ${Math.round(rs.downtime.at(-1)!)} ms, restart ${Math.round(rs.wall.at(-1)!)} ms, cold boot ${Math.round(rs.cold.at(-1)!)} ms`);
      if (i < runs && performance.now() + (performance.now() - roundStart) + idleS * 1000 > deadline) {
        log(`stopping after ${i} runs: the next one would pass the time budget (BENCH_BUDGET_S=${budgetS})`);
        restartsStoppedEarly = true;
        break;
      }
    }

    // ------------------------------------------------------------ 3. idle cost
    // Home B started too (on its installed, pinned version: its supervisor installs nothing), for a supervisor that has only started services.
    await cli('start B', b.home, b.env, ['start', '--no-browser']);
    const s2 = JSON.parse((await cli('status A', a.home, a.env, ['status', '--json'])).stdout);
    const s2b = JSON.parse((await cli('status B', b.home, b.env, ['status', '--json'])).stdout);
    const bareDir = join(world.tmp, 'bare');
    mkdirSync(bareDir, { recursive: true });
    const bare = startDirect(['-e', 'setInterval(() => {}, 1 << 30)'], world.env, bareDir);
    // Let the last status clients go, and supervisor B get past its start-up: about 8 s after it starts, it spends
    // a one-off 60-100 ms of CPU (most likely V8's memory reducer: a full GC once the process goes idle).
    await delay(12_000);
    const procs: Array<{ label: string; pid: number }> = [
      { label: 'supervisor A (installed once, restarted the services)', pid: s2.supervisor.pid },
      { label: 'supervisor B (started an installed version only)', pid: s2b.supervisor.pid },
      { label: 'web A (reference runtime)', pid: s2.services.web.pid },
      { label: 'agent A (reference runtime, polls its queue every 100 ms)', pid: s2.services.agent.pid },
      { label: 'bare `node -e "setInterval(…)"`, for scale', pid: bare.child.pid! },
    ];
    log(`idle: measuring ${procs.map((p) => `${p.label.split(' (')[0]} ${p.pid}`).join(', ')} for ${idleS} s`);
    const hz = ticksPerSecond();
    const windowMs = (idleS * 1000) / WINDOWS;
    const marks: Array<{ t: number; ticks: number[] }> = [{ t: performance.now(), ticks: procs.map((p) => cpuTicks(p.pid)) }];
    for (let w = 0; w < WINDOWS; w++) {
      await delay(marks[0].t + (w + 1) * windowMs - performance.now());
      marks.push({ t: performance.now(), ticks: procs.map((p) => cpuTicks(p.pid)) });
    }
    const rss = procs.map((p) => rssKiB(p.pid));
    const own = procs.map((p) => privateKiB(p.pid));
    const s3 = JSON.parse((await cli('status A', a.home, a.env, ['status', '--json'])).stdout);
    if (s3.services.web.pid !== s2.services.web.pid || s3.services.agent.pid !== s2.services.agent.pid) throw new Error('bench: a service restarted during the idle measurement');
    await bare.stop();
    const pct = (dTicks: number, dMs: number) => (dTicks / hz / (dMs / 1000)) * 100;
    const idleRows = procs.map((p, k) => {
      const samples = marks.slice(1).map((m, w) => pct(m.ticks[k] - marks[w].ticks[k], m.t - marks[w].t));
      const whole = pct(marks.at(-1)!.ticks[k] - marks[0].ticks[k], marks.at(-1)!.t - marks[0].t);
      const cpuMs = ((marks.at(-1)!.ticks[k] - marks[0].ticks[k]) / hz) * 1000;
      log(`idle ${p.label.split(' (')[0]}: ${samples.map((x) => x.toFixed(2)).join(' ')} % per window, ${Math.round(cpuMs)} ms CPU, ${(rss[k] / 1024).toFixed(1)} MiB`);
      return { label: p.label, samples, extra: { [`CPU % over ${idleS} s`]: whole.toFixed(3), [`CPU time in ${idleS} s`]: `${Math.round(cpuMs)} ms`, 'RSS MiB at end': (rss[k] / 1024).toFixed(1), 'private MiB': (own[k] / 1024).toFixed(1) } };
    });

    // ------------------------------------------------------------ teardown
    for (const h of [a, b]) {
      const pids = [pidOf(h.home, 'supervisor'), pidOf(h.home, 'web'), pidOf(h.home, 'agent')];
      await cli('stop', h.home, h.env, ['stop']);
      await waitGone(pids);
    }

    const load = `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${cpus().length} CPUs); other work on the machine shows up as spread between min and max.`;
    const ms = (xs: number[]) => `${Math.round(median(xs))} ms`;
    return [
      {
        title: 'Supervisor: `animactl status --json` latency',
        rows: [
          { label: '`node -e 0` (Node start-up, the floor)', samples: lat.node },
          { label: '`animactl --help` (CLI start-up, no status)', samples: lat.help, extra: { 'over the floor': `+${Math.round(median(lat.help) - median(lat.node))} ms` } },
          { label: '`animactl status --json`, supervisor running', samples: lat.withSup, extra: { 'over the floor': `+${Math.round(median(lat.withSup) - median(lat.node))} ms` } },
          { label: '`animactl status --json`, no supervisor (from disk)', samples: lat.fromDisk, extra: { 'over the floor': `+${Math.round(median(lat.fromDisk) - median(lat.node))} ms` } },
        ],
        notes: [
          `Wall time of the whole process, spawned from the bench (node ${process.version}, \`node dist/cli.cjs status --json\`), ${statusRuns} runs per case (4 × BENCH_RUNS), interleaved in a rotated order after one untimed warm-up each.`,
          `Supervisor running: home A, both services of the reference runtime ${VERSION} up; the CLI connects to run/control.sock and asks. No supervisor: home B, the same version installed, started once and stopped; the CLI finds no socket and builds the status from config.json and the pid files.`,
          load,
        ],
      },
      {
        title: 'Supervisor: restart downtime vs the runtime\'s cold boot',
        rows: [
          { label: 'web downtime during `animactl restart`', samples: rs.downtime, extra: { 'vs cold boot': `${(median(rs.downtime) / median(rs.cold)).toFixed(2)}×` } },
          { label: '`animactl restart` (drain, stop, start, verify)', samples: rs.wall },
          { label: 'web cold boot (`node web.js` → /api/health 200)', samples: rs.cold },
        ],
        notes: [
          `Downtime: the bench GETs http://127.0.0.1:PORT/api/health every ${POLL_MS} ms (BENCH_POLL_MS; a new connection each time, 2 s timeout) during \`animactl restart\` on home A; the outage runs from halfway between the last 200 and the first failed poll to halfway between the last failed poll and the next 200 (send times): a whole number of poll intervals, so ± ${POLL_MS} ms. Median time from the restart command to the first failed poll (the CLI's start-up and the agent's drain, while web still serves): ${ms(rs.servedFor)}.`,
          `Cold boot: \`node <home>/runtime/versions/${VERSION}/web.js\` spawned by the bench with the contract environment on a free port, timed from spawn to halfway between the last refused poll and the first 200 (polled every ${POLL_MS} ms, the same estimate as the end of an outage); then SIGTERM. One untimed warm-up. Interleaved with the restarts.`,
          'The restart is the whole operation the user waits for: the CLI, the drain of an idle agent, SIGTERM to web, the port check, starting web and the agent together (the health of web polled every 25 ms, the agent up as soon as its status file names it), and the contract checks, asked of the runtime at once.',
          ...(restartsStoppedEarly ? [`Stopped after ${rs.wall.length} of ${runs} runs to stay within the time budget (BENCH_BUDGET_S=${budgetS}).`] : []),
          load,
        ],
      },
      {
        title: `Supervisor: idle cost over ${idleS} s (both services running)`,
        unit: '% CPU',
        decimals: 2,
        rows: idleRows,
        notes: [
          `CPU = (utime + stime) from /proc/<pid>/stat over wall time, in % of one core (${hz} ticks/s, so one tick in a ${(windowMs / 1000).toFixed(1)} s window is ${(100 / hz / (windowMs / 1000)).toFixed(2)} %); median/min/max over ${WINDOWS} windows of ${(windowMs / 1000).toFixed(1)} s; the whole-period figure is the same ratio over all ${idleS} s. RSS = VmRSS from /proc/<pid>/status at the end; private = Private_Clean + Private_Dirty from /proc/<pid>/smaps_rollup at the same moment: the memory only that process holds (the rest of its RSS is mostly the node binary's pages, shared by every Node process here, the services included).`,
          `Supervisor A is measured after the status and restart runs above (it installed ${VERSION} on its first start, through its registry worker, a child that loads pacote and Arborist and has exited since; it has served ${statusRuns + 4 + rs.wall.length} CLI connections by then); supervisor B was started 12 s before the window (past a one-off 60-100 ms of CPU about 8 s after a supervisor starts, most likely V8's memory reducer) on a home where ${VERSION} was already installed and pinned, so it has never started a registry worker. No client connected, nothing queued; home B's web and agent run too (not shown). The periodic update check is out of the window (ANIMA_FIRST_UPDATE_CHECK_MS=600000, as in the tests); the supervisor's own timers are a 1 s idle check and a 30 s log rotation. BENCH_IDLE_S sets the period (default 60, 20 with BENCH_QUICK=1).`,
          load,
        ],
      },
    ];
  });
}
