// Helpers shared by the supervisor and upgrade benches: timing child processes,
// polling a web service's /api/health the way a browser tab would, reading CPU and
// memory from /proc, starting the reference runtime's services directly (as the
// seed did, without a supervisor), and making sure nothing is left running.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startWorld, type World } from '../test/helpers/world';

const CHILD_TIMEOUT_MS = 120_000;
/** How often the benches poll /api/health (BENCH_POLL_MS, default 20 ms): the resolution of downtimes and boot times. */
export const POLL_MS = Math.max(1, Number(process.env.BENCH_POLL_MS) || 20);

export interface Ran {
  ms: number;
  stdout: string;
  stderr: string;
  /** performance.now() when the child was spawned: lines below are timed from it. */
  startedAt: number;
  /** Each stderr line with the ms (since spawn) at which it arrived. */
  lines: Array<{ ms: number; line: string }>;
}

/** Runs a child to completion and times it (spawn to exit); a non-zero exit aborts the bench with its output. */
export function timed(label: string, command: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const lines: Ran['lines'] = [];
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      const now = performance.now() - startedAt;
      stderr += d;
      partial += d;
      const parts = partial.split(/[\r\n]/);
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) lines.push({ ms: now, line });
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - startedAt;
      clearTimeout(timer);
      if (partial.trim()) lines.push({ ms, line: partial });
      if (code === 0) resolve({ ms, stdout, stderr, startedAt, lines });
      else reject(new Error(`bench: ${label} failed (${signal ?? `exit ${code}`}):\n$ ${command} ${args.join(' ')}\n${stdout}${stderr}`));
    });
  });
}

/** One GET; resolves with the status, or 0 when refused, reset or timed out. A new connection each time, as after a restart. */
export function getStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

export interface Poll {
  /** performance.now() when the request was sent. */
  t: number;
  ok: boolean;
}

/**
 * GETs `url` every `everyMs` (each request on its own clock, so a stalled one does
 * not delay the next) until stopped; stop() waits for the requests in flight.
 */
export function startPoller(url: string, everyMs = POLL_MS): { stop(): Promise<Poll[]> } {
  const polls: Poll[] = [];
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const t = performance.now();
    const p = getStatus(url).then((status) => {
      polls.push({ t, ok: status === 200 });
      inFlight.delete(p);
    });
    inFlight.add(p);
  }, everyMs);
  return {
    /**
     * Stops once a poll sent from now on has got a 200 (so an outage that just ended
     * is seen ending by the poller itself, not only by whoever noticed first), or after 5 s.
     */
    async stop() {
      const from = performance.now();
      const deadline = from + 5000;
      while (!polls.some((p) => p.t >= from && p.ok) && performance.now() < deadline) await delay(everyMs);
      clearInterval(timer);
      await Promise.all(inFlight);
      return polls.sort((a, b) => a.t - b.t);
    },
  };
}

/**
 * The outage seen by the poller. Its start is taken halfway between the last poll
 * that got a 200 and the first that did not, its end halfway between the last
 * failed poll and the first 200 after it (by send time): unbiased, ± half a poll
 * interval at each end. `firstFail` is the send time of the first failed poll,
 * relative to `origin` (e.g. the start of the operation). Null when every poll got
 * a 200; ms is Infinity when it never recovered.
 */
export function outage(polls: Poll[], origin: number): { ms: number; firstFail: number; failed: number } | null {
  const i = polls.findIndex((p) => !p.ok);
  if (i < 0) return null;
  const back = polls.findIndex((p, k) => k > i && p.ok);
  const failed = polls.slice(i, back < 0 ? undefined : back).length;
  const start = i > 0 ? (polls[i - 1].t + polls[i].t) / 2 : polls[i].t;
  const end = back < 0 ? Infinity : (polls[back - 1].t + polls[back].t) / 2;
  return { ms: end - start, firstFail: polls[i].t - origin, failed };
}

/**
 * Polls /api/health every `everyMs` until it answers 200. `answeredAt`: when the
 * 200 arrived (what a script waiting for it sees); `readyAt`: halfway between the
 * send times of the last refused poll and the one that got the 200 (the same
 * estimate as outage() uses for the end of an outage).
 */
export async function waitHealthy(url: string, timeoutMs: number, alive: () => boolean = () => true, everyMs = POLL_MS): Promise<{ answeredAt: number; readyAt: number }> {
  const deadline = performance.now() + timeoutMs;
  let lastFail: number | null = null;
  while (performance.now() < deadline) {
    if (!alive()) throw new Error(`bench: the process behind ${url} exited before answering`);
    const sent = performance.now();
    if ((await getStatus(url, 1000)) === 200) return { answeredAt: performance.now(), readyAt: lastFail === null ? sent : (lastFail + sent) / 2 };
    lastFail = sent;
    await delay(everyMs);
  }
  throw new Error(`bench: ${url} did not answer 200 within ${timeoutMs} ms`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ------------------------------------------------------------------ /proc

let clkTck: number | undefined;
/** Clock ticks per second (the unit of utime/stime in /proc/<pid>/stat). */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** VmRSS in KiB. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/**
 * Memory only this process holds (Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup),
 * in KiB: what starting it costs the machine. Most of a Node process's RSS is the node
 * binary's pages, shared with every other Node process (the runtime's services among them).
 */
export function privateKiB(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? NaN);
    return field('Private_Clean') + field('Private_Dirty');
  } catch {
    return NaN;
  }
}

/** Live processes whose environment mentions `needle` (e.g. a temp folder): what a bench might leave behind. */
export function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (environ.includes(needle) || cmdline.includes(needle)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

// ------------------------------------------------------------------ services started directly

export interface DirectService {
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const direct = new Set<DirectService>();

/** The contract environment (runtime contract §2) the supervisor gives a service, for running one without it. */
export function contractEnv(base: NodeJS.ProcessEnv, o: { home: string; environment: string; service: 'web' | 'agent'; runtimeDir: string; version: string; port: number }): NodeJS.ProcessEnv {
  return {
    ...base,
    ANIMA_HOME: o.home,
    ANIMA_ENV: o.environment,
    ANIMA_SERVICE: o.service,
    ANIMA_RUNTIME_DIR: o.runtimeDir,
    ANIMA_RUNTIME_VERSION: o.version,
    ANIMA_WEB_PORT: String(o.port),
    ANIMA_WEB_URL: `http://127.0.0.1:${o.port}`,
  };
}

/** Starts `node <args>` (a script, or `-e CODE`) as a plain child of the bench (killed by stopAllDirect, also on Ctrl-C). */
export function startDirect(args: string[], env: NodeJS.ProcessEnv, cwd: string): DirectService {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  child.on('error', () => {});
  const svc: DirectService = {
    child,
    output: () => out,
    alive: () => !exited,
    async stop(graceMs = 5000) {
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exit;
        clearTimeout(t);
      }
      direct.delete(svc);
    },
  };
  direct.add(svc);
  return svc;
}

export async function stopAllDirect(): Promise<void> {
  await Promise.all([...direct].map((s) => s.stop(2000)));
}

export function killAllDirectNow(): void {
  for (const s of direct) s.child.kill('SIGKILL');
}

/** The pid in a home's run/<name>.pid, or null. */
export function pidOf(home: string, name: 'supervisor' | 'web' | 'agent'): number | null {
  try {
    return JSON.parse(readFileSync(join(home, 'run', `${name}.pid`), 'utf8')).pid ?? null;
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until these processes have exited (e.g. a supervisor after `animactl stop`). */
export async function waitGone(pids: Array<number | null>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const left = () => pids.filter((p): p is number => p !== null && running(p));
  while (left().length && performance.now() < deadline) await delay(25);
  if (left().length) throw new Error(`bench: pid(s) ${left().join(', ')} still running ${timeoutMs} ms later`);
}

/**
 * A test world (registry, fixtures, supervised homes) for one bench, cleaned up on every
 * way out, Ctrl-C included: services started directly and every home's processes are
 * killed, temp folders removed, and anything still running from them is reported.
 */
export async function benchWorld<T>(log: (s: string) => void, fn: (world: World) => Promise<T>): Promise<T> {
  const world = await startWorld();
  const folders = [world.tmp, dirname(world.registry.storage)];
  log(`temp folders: ${folders.join(', ')}`);
  const onSigint = () => {
    killAllDirectNow();
    world.killAll();
    for (const d of folders) rmSync(d, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    return await fn(world);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await stopAllDirect();
    await world.close();
    const left = processesMentioning(world.tmp);
    if (left.length) {
      log(`WARNING: processes left behind (now killed): ${left.join(', ')}`);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }
}
