// One operation at a time per home, across processes: two `runtime install` at once on
// one home, and locks left behind by processes that are gone (or whose pid now belongs to
// someone else). Real CLI processes, a real registry; the winner is held at a gate in
// front of the registry, so the overlap is certain rather than a matter of timing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, startWorld, type CliResult, type World } from '../helpers/world';
import { processStartTime } from '../../main/core/process-identity';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => world?.close());

/** A proxy in front of the registry that holds every request until opened. */
async function startGate(target: string) {
  let opened = false;
  const held: Array<() => void> = [];
  let firstRequest!: () => void;
  const reached = new Promise<void>((r) => (firstRequest = r));
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    firstRequest();
    const forward = () => {
      // The Host header is kept: the registry writes tarball URLs that point back at the gate.
      const up = request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (opened) forward();
    else held.push(forward);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    /** Resolves once a request is being held (so its sender is past taking the lock). */
    reached,
    open() {
      opened = true;
      for (const f of held.splice(0)) f();
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}

interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
}

function startCli(args: string[], home: string, env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...world.env, ANIMA_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** A live process that has nothing to do with Anima. */
function startBystander(): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited };
}

function writeLock(home: string, holder: Record<string, unknown>): void {
  mkdirSync(join(home, 'run'), { recursive: true });
  writeFileSync(join(home, 'run', 'operation.lock'), JSON.stringify({ operation: 'upgrade', startedAt: '2026-01-02T03:04:05.000Z', ...holder }));
}

function pinned(home: string): string | undefined {
  return JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).runtime.version;
}

const BUSY = /operation "install" in progress since (\S+) by pid (\d+)/;

describe('two installs on one home', () => {
  it('started at once: exactly one installs, the other exits 1 naming the operation, its start and the winner\'s pid', async () => {
    const gate = await startGate(world.registry.url);
    cleanups.push(() => gate.close());
    const home = world.newHome();
    // A cold cache of its own, so the winner has to go through the gate.
    const env = { ANIMA_REGISTRY: gate.url, npm_config_cache: join(world.tmp, 'cache-race') };
    const a = startCli(['runtime', 'install', '--version', '1.1.0'], home, env);
    const b = startCli(['runtime', 'install', '--version', '1.1.0'], home, env);

    // Whichever took the lock is now held at the gate; the other can only fail.
    const loser = await Promise.race([a.done.then((r) => ({ r, run: a, other: b })), b.done.then((r) => ({ r, run: b, other: a }))]);
    await Promise.race([gate.reached, loser.other.done]);
    // While the winner works, the home says so.
    const status = await world.cli(['status', '--json'], { home });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).operation).toMatchObject({ kind: 'install', pid: loser.other.child.pid });

    gate.open();
    const winner = await loser.other.done;

    expect(winner.code, winner.stderr).toBe(0);
    expect(winner.stdout).toContain('Installed and pinned @meetquinn/animactl@1.1.0');
    expect(loser.r.code, loser.r.stderr).toBe(1);
    const m = BUSY.exec(loser.r.stderr);
    expect(m, loser.r.stderr).not.toBeNull();
    expect(Number(m![2])).toBe(loser.other.child.pid);
    expect(new Date(m![1]).toISOString()).toBe(m![1]);
    expect(loser.r.stderr).not.toMatch(/\n\s+at /);
    // The loser touched nothing: one clean install, and the lock is gone with its holder.
    expect(pinned(home)).toBe('1.1.0');
    expect(readlinkSync(join(home, 'runtime', 'current'))).toBe(join('versions', '1.1.0'));
    expect(existsSync(join(home, 'run', 'operation.lock'))).toBe(false);
  });

  it('a live holder (another process, same start time) is respected and never signalled', async () => {
    const holder = startBystander();
    const home = world.newHome();
    writeLock(home, { pid: holder.child.pid, startTime: processStartTime(holder.child.pid!) });
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`operation "upgrade" in progress since 2026-01-02T03:04:05.000Z by pid ${holder.child.pid}`);
    expect(existsSync(join(home, 'config.json'))).toBe(false);
    expect(holder.child.exitCode).toBeNull();
    expect(holder.child.signalCode).toBeNull();
  });
});

describe('stale locks', () => {
  it('a lock left by a dead process is broken and the install proceeds', async () => {
    const gone = startBystander();
    const pid = gone.child.pid!;
    const startTime = processStartTime(pid);
    expect(startTime).not.toBeNull();
    gone.child.kill('SIGKILL');
    await gone.exited;
    const home = world.newHome();
    writeLock(home, { pid, startTime });
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(pinned(home)).toBe('1.0.0');
    expect(existsSync(join(home, 'run', 'operation.lock'))).toBe(false);
  });

  it('a lock naming a live, unrelated process (pid reused: other start time) is broken, and that process is left alone', async () => {
    const other = startBystander();
    const pid = other.child.pid!;
    const real = processStartTime(pid);
    const home = world.newHome();
    writeLock(home, { pid, startTime: `${real}0` });
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(pinned(home)).toBe('1.0.0');
    expect(existsSync(join(home, 'run', 'operation.lock'))).toBe(false);
    expect(other.child.exitCode).toBeNull();
    expect(other.child.signalCode).toBeNull();
    expect(processStartTime(pid)).toBe(real);
  });
});
