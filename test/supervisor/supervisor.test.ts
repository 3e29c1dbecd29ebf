import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { serviceProcesses, startWorld, readJson, REPO, type World } from '../helpers/world';
import { enqueue, audit, problems } from '../helpers/reference-queue';
import { waitFor } from '../helpers/wait';
import { ControlClient } from '../../main/core/control-client';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.publishRuntime({ name: '@anima-crash/agent', version: '1.0.0', agent: 'crash-after', extra: { crashAfterMs: 700 } });
  await world.publishRuntime({ name: '@anima-crash/agent', version: '1.1.0' });
});
afterAll(() => world?.close());

async function http(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

describe('supervisor', () => {
  it('start runs both services from the pinned version; status and server-info agree', async () => {
    const { home, port, env } = await world.supervisedHome();
    const r = await world.cli(['start', '--no-browser'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);
    expect(s).toMatchObject({ home, environment: 'stable', channel: 'stable', runtime: { version: '1.1.0', pinned: '1.1.0' } });
    expect(s.services.web).toMatchObject({ state: 'running', url: `http://127.0.0.1:${port}` });
    expect(s.services.agent.state).toBe('running');
    expect(s.supervisor.pid).toBeGreaterThan(0);
    expect((await http(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    const info = JSON.parse((await http(`http://127.0.0.1:${port}/api/server-info`)).body);
    expect(info).toMatchObject({ version: '1.1.0', environment: 'stable', home });
    // Services run from the version's real folder, not through the `current` link.
    expect(readFileSync(`/proc/${s.services.web.pid}/cmdline`, 'utf8')).toContain(join(home, 'runtime', 'versions', '1.1.0', 'web.js'));
    // The control socket is owner-only.
    expect(spawnSync('stat', ['-c', '%a', join(home, 'run', 'control.sock')], { encoding: 'utf8' }).stdout.trim()).toBe('600');
    expect((await world.cli(['stop'], { home, env })).code).toBe(0);
    expect(serviceProcesses(home).web).toEqual([]);
    expect(serviceProcesses(home).agent).toEqual([]);
  });

  it('restart changes pids, advances startedAt and verifies', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const before = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).services;
    const r = await world.cli(['restart'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/✓ pids-changed/);
    expect(r.stderr).toMatch(/✓ started-at/);
    const after = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).services;
    expect(after.web.pid).not.toBe(before.web.pid);
    expect(after.agent.pid).not.toBe(before.agent.pid);
    const v = await world.cli(['verify', '--json'], { home, env });
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, version: '1.1.0' });
    await world.cli(['stop'], { home, env });
  });

  it('drain-and-resume under load: 20 restarts in a row lose no item and run no finished step twice', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `item-${i}`, steps: 6, stepMs: 120 }));
    for (const it of items) enqueue(home, it);
    for (let i = 0; i < 20; i++) {
      // Feed a little more work as we go, so restarts land on busy agents.
      if (i % 4 === 0) {
        const extra = { id: `late-${i}`, steps: 4, stepMs: 100 };
        items.push(extra);
        enqueue(home, extra);
      }
      const r = await world.cli(['restart'], { home, env });
      expect(r.code, r.stderr).toBe(0);
    }
    await waitFor(() => audit(home).done.length === items.length, { timeoutMs: 45_000, what: 'every item done' });
    const a = audit(home);
    expect(problems(a, items)).toEqual([]);
    // The work really was spread across agent generations.
    expect(new Set(a.steps.map((s) => s.pid)).size).toBeGreaterThan(3);
    await world.cli(['stop'], { home, env });
  }, 180_000);

  it('a forced restart says what it cut short and loses no item', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const items = Array.from({ length: 6 }, (_, i) => ({ id: `f-${i}`, steps: 5, stepMs: 150 }));
    for (const it of items) enqueue(home, it);
    await waitFor(() => audit(home).inflight.length > 0, { what: 'work in flight' });
    const r = await world.cli(['restart', '--force'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/killed without draining/);
    await waitFor(() => audit(home).done.length === items.length, { timeoutMs: 30_000, what: 'every item done' });
    // A kill may repeat the step it interrupted (the contract allows it), never lose an item.
    expect(problems(audit(home), items).filter((p) => !p.startsWith('repeated:'))).toEqual([]);
    await world.cli(['stop'], { home, env });
  });

  it('a crashing agent goes to crashed after its backoff, without spinning; a healthy version then restarts fine', async () => {
    const { home, env } = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-crash/agent', ANIMA_RESTART_MAX_FAILURES: '3' });
    const start = await world.cli(['start', '--no-browser', '--version', '1.0.0'], { home, env });
    expect(start.code, start.stderr).toBe(0);
    const crashed = await waitFor(
      async () => {
        const s = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);
        return s.services.agent.state === 'crashed' && /stays stopped/.test(s.services.agent.error ?? '') ? s : null;
      },
      { timeoutMs: 20_000, what: 'agent crashed for good' },
    );
    expect(crashed.services.agent.error).toMatch(/failed 4 times in a row/);
    expect(crashed.services.web.state).toBe('running');
    // No further restarts and no busy loop: the supervisor sits idle.
    const sup = crashed.supervisor.pid;
    const t0 = cpuTicks(sup);
    await new Promise((r) => setTimeout(r, 2000));
    expect(serviceProcesses(home).agent).toEqual([]);
    expect(cpuTicks(sup) - t0).toBeLessThan(50); // 2 s of wall time is 200 ticks of one core
    const fixed = await world.cli(['restart', '--version', '1.1.0'], { home, env });
    expect(fixed.code, fixed.stderr + fixed.stdout).toBe(0);
    expect(JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).services.agent.state).toBe('running');
    await world.cli(['stop'], { home, env });
  });

  it('after kill -9 of the supervisor, status still sees the services and start adopts them: no duplicates, no orphans', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const s1 = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);
    process.kill(s1.supervisor.pid, 'SIGKILL');
    await waitFor(() => !existsSync(`/proc/${s1.supervisor.pid}`) || /zombie|Z/.test(readFileSync(`/proc/${s1.supervisor.pid}/stat`, 'utf8').split(' ')[2]), { what: 'supervisor gone' });
    const s2 = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);
    expect(s2.supervisor).toBeNull();
    expect(s2.services.web).toMatchObject({ state: 'running', pid: s1.services.web.pid });
    const r = await world.cli(['start', '--no-browser'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    const s3 = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);
    expect(s3.supervisor.pid).not.toBe(s1.supervisor.pid);
    expect(s3.services.web.pid).toBe(s1.services.web.pid);
    expect(s3.services.agent.pid).toBe(s1.services.agent.pid);
    expect(serviceProcesses(home).web).toEqual([s1.services.web.pid]);
    expect(serviceProcesses(home).agent).toEqual([s1.services.agent.pid]);
    // The adopted services are really supervised: stop drains and ends them.
    expect((await world.cli(['stop'], { home, env })).code).toBe(0);
    expect(serviceProcesses(home).web).toEqual([]);
    expect(serviceProcesses(home).agent).toEqual([]);
  });

  it('a client that connects as a stopped supervisor leaves is served, not cut short by its leaving (`animactl stop && animactl start`)', async () => {
    // The moment to leave widened to 1 s, so that the next client surely connects within it on a loaded machine.
    const { home, port, env } = await world.supervisedHome({ ANIMA_STOP_GRACE_MS: '1000' });
    await world.cliOk(['start', '--no-browser'], { home, env });
    const run = join(home, 'run');
    const stopper = await ControlClient.connect(join(run, 'control.sock'), 2000, run);
    expect((await stopper.request('stop', {}, { timeoutMs: 30_000 })).ok).toBe(true);
    // At once, as the next command connects; its request comes after the moment the supervisor would have left.
    const next = await ControlClient.connect(join(run, 'control.sock'), 2000, run);
    stopper.close();
    await new Promise((r) => setTimeout(r, 1500));
    const started = await next.request('start', {}, { timeoutMs: 30_000 });
    next.close();
    expect(started, JSON.stringify(started)).toMatchObject({ ok: true });
    const s = JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);
    expect(s.services.web.state).toBe('running');
    expect(s.services.agent.state).toBe('running');
    expect((await http(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    // Stopped with no one else connected, it leaves.
    await world.cliOk(['stop'], { home, env });
    await waitFor(async () => JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).supervisor === null, { what: 'the stopped supervisor to exit' });
  });

  it('never signals a stale pid file that points at an unrelated live process', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['runtime', 'install'], { home, env });
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // As after a reboot: the pid exists, but it's someone else (a different start time).
      for (const svc of ['web', 'agent']) {
        writeFileSync(join(home, 'run', `${svc}.pid`), JSON.stringify({ service: svc, pid: bystander.pid, startTime: 'boot:1', version: '1.1.0', startedAt: new Date().toISOString(), runtimeDir: '/nowhere' }));
      }
      expect(JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).services.web.state).toBe('stopped');
      expect((await world.cli(['stop'], { home, env })).code).toBe(0);
      expect((await world.cli(['start', '--no-browser'], { home, env })).code).toBe(0);
      expect((await world.cli(['stop', '--force'], { home, env })).code).toBe(0);
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      bystander.kill();
    }
  });

  it('a port in use is a clear error naming the port and its owner', async () => {
    const { home, port, env } = await world.supervisedHome();
    const squatter = spawn(process.execPath, ['-e', `require('http').createServer(()=>{}).listen(${port}, '127.0.0.1')`], { stdio: 'ignore' });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(200) }).catch((e) => e)) instanceof Error === false || null, { timeoutMs: 5000, what: 'squatter listening' }).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      const r = await world.cli(['start', '--no-browser'], { home, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use by pid ${squatter.pid}`));
      expect(r.stderr).toMatch(/animactl config set web\.port/);
    } finally {
      squatter.kill();
      await world.cli(['stop'], { home, env });
    }
  });

  it('answers malformed and oversized control messages with errors and keeps running; a second supervisor refuses', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const sock = join(home, 'run', 'control.sock');
    const exchange = (payload: string) =>
      new Promise<string>((resolve) => {
        const c = connect(sock);
        let got = '';
        c.on('data', (d) => {
          got += d;
          if (got.includes('\n')) c.end();
        });
        c.on('close', () => resolve(got));
        c.on('error', () => resolve(got));
        c.write(payload);
      });
    expect(JSON.parse(await exchange('this is not json\n'))).toMatchObject({ ok: false, error: { code: 'EBADREQUEST' } });
    expect(JSON.parse(await exchange('{"id":1,"method":"format-disk"}\n'))).toMatchObject({ id: 1, ok: false, error: { message: 'Unknown method "format-disk"' } });
    expect(JSON.parse(await exchange('{"id":2,"method":"stop","params":{"force":"yes"}}\n'))).toMatchObject({ id: 2, ok: false, error: { code: 'EUSAGE' } });
    expect(JSON.parse(await exchange('x'.repeat(2 * 1024 * 1024)))).toMatchObject({ ok: false, error: { code: 'EMESSAGE_TOO_LARGE' } });
    // Still alive and well.
    expect((await world.cli(['status', '--json'], { home, env })).code).toBe(0);
    const second = spawnSync(process.execPath, [join(REPO, 'dist', 'supervisor.cjs'), '--home', home], { encoding: 'utf8', env: { ...world.env, ...env }, timeout: 10_000 });
    expect(second.status).toBe(3);
    expect(second.stdout).toMatch(/another supervisor already runs/);
    expect(JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).services.web.state).toBe('running');
    await world.cli(['stop'], { home, env });
  });

  it('logs and dashboard work from the CLI; dashboard never starts services', async () => {
    const { home, port, env } = await world.supervisedHome();
    const d0 = await world.cli(['dashboard', '--no-browser'], { home, env });
    expect(d0.code).toBe(1);
    expect(d0.stderr).toMatch(/not available/);
    expect(JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).supervisor).toBeNull();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const d1 = await world.cli(['dashboard', '--no-browser'], { home, env });
    expect(d1.stdout.trim()).toBe(`http://127.0.0.1:${port}`);
    const logs = await world.cli(['logs', 'web', '--lines', '5'], { home, env });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/listening on/);
    expect((await world.cli(['logs', 'nope'], { home, env })).code).toBe(2);

    // Pushed log lines, for subscribers that ask for them: what a restart writes arrives as events.
    const client = await ControlClient.connect(join(home, 'run', 'control.sock'));
    const lines: Array<{ service: string; line: string }> = [];
    client.on('event', (ev: { event: string; data: { service: string; line: string } }) => ev.event === 'log' && lines.push(ev.data));
    await client.request('subscribe', { logs: true });
    expect((await world.cli(['restart'], { home, env })).code).toBe(0);
    await waitFor(() => lines.some((l) => l.service === 'web' && /listening on/.test(l.line)), { what: 'a pushed web log line', timeoutMs: 10_000 });
    expect(lines.some((l) => l.service === 'web' && /SIGTERM/.test(l.line))).toBe(true);
    client.close();
    await world.cli(['stop'], { home, env });
  });
});

void readJson;
