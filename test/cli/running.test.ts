// `animactl` against a running home (issue 14.2, 14.3, 14.5, 14.7, 14.8, 14.10): a broken
// config.json locks nobody out, Ctrl-C says the operation goes on and how to cancel it,
// what runs is kept apart from what is pinned for the next start, a port setting says when
// it takes effect, development homes refuse version commands. Real registry, real supervisor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, killHome, startWorld, type World } from '../helpers/world';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';
import { waitFor } from '../helpers/wait';
import { expectRunningVerified, json, output, status, type Supervised } from '../upgrade/lib';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.publishRuntime({ name: '@anima-cli/hangs', version: '1.0.0' });
  await world.publishRuntime({ name: '@anima-cli/hangs', version: '1.1.0', web: 'never-healthy' });
});
afterAll(() => world?.close());

async function ok(h: Supervised, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await world.cli(args, { home: h.home, env: { ...h.env, ...env } });
  expect(r.code, `animactl ${args.join(' ')}\n${output(r)}`).toBe(0);
  return r;
}

describe('a broken config.json while Anima runs', () => {
  it('status, logs, stop and stop --force still work; the supervisor goes on with the last good settings', async () => {
    const h: Supervised = await world.supervisedHome();
    const started = await ok(h, ['start', '--no-browser', '--version', '1.0.0', '--json']);
    expect(json(started.stdout)).toMatchObject({ operation: 'start', ok: true, url: `http://127.0.0.1:${h.port}` });
    const file = join(h.home, 'config.json');
    const good = readFileSync(file, 'utf8');
    // One comma gone, as a hand edit leaves it.
    writeFileSync(file, good.replace(/,\n/, '\n'));

    const s = await ok(h, ['status']);
    expect(s.stdout).toMatch(/web\s+running/);
    expect(s.stderr).toMatch(/Warning: .*not valid JSON.*the supervisor goes on with the last good settings/);
    expect(json((await ok(h, ['status', '--json'])).stdout)).toMatchObject({ services: { web: { state: 'running' } }, configError: { code: 'ECONFIG' } });
    await ok(h, ['logs', 'agent', '--lines', '5']);
    expect((await ok(h, ['cancel'])).stdout).toMatch(/Nothing to cancel/);
    const stop = await ok(h, ['stop']);
    expect(stop.stdout).toMatch(/Stopped/);
    expect(json((await ok(h, ['status', '--json'])).stdout).services).toMatchObject({ web: { state: 'stopped' }, agent: { state: 'stopped' } });

    // Two bad keys, and a forced stop: its warning says what was cut short, and only what.
    writeFileSync(file, good);
    await ok(h, ['start', '--no-browser']);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), web: { port: 'abc' }, drainTimeoutSeconds: -1 }));
    const forced = await ok(h, ['stop', '--force']);
    expect(forced.stdout + forced.stderr).toMatch(/agent killed without draining/);
    expect(forced.stdout + forced.stderr).not.toMatch(/item\(s\)|none is lost|\.\./);
    await expect(serviceStates(h)).resolves.toEqual(['stopped', 'stopped']);
  });
});

async function serviceStates(h: Supervised): Promise<string[]> {
  const r = await world.cli(['status', '--json'], { home: h.home, env: h.env });
  const s = json(r.stdout);
  return [s.services.web.state, s.services.agent.state];
}

describe('what runs, what is pinned, what a setting will do', () => {
  it('a port set while running waits for the restart; status shows the automatic-upgrade plan; a failed check is said once; runtime install --channel picks a version without switching channels', async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_AUTO_UPGRADE_TICK_MS: '200' });
    await ok(h, ['start', '--no-browser', '--version', '1.0.0']);

    // 14.7: the port setting takes effect at the next restart; until then everything uses what runs.
    const newPort = await freePort();
    const set = await ok(h, ['config', 'set', 'web.port', String(newPort)]);
    expect(set.stderr).toMatch(/takes effect at the next restart/);
    expect(set.stderr).toMatch(new RegExp(`ANIMA_WEB_PORT=${h.port} is set here, and wins over config\\.json`));
    expect((await ok(h, ['dashboard', '--no-browser'])).stdout.trim()).toBe(`http://127.0.0.1:${h.port}`);
    await ok(h, ['verify']);
    const get = await ok(h, ['config', 'get', 'web.port'], { ANIMA_WEB_PORT: '' });
    expect(get.stdout.trim()).toBe(String(newPort));
    expect(get.stderr).toMatch(new RegExp(`web runs on ${h.port} now: it changes port only when it restarts`));
    const fromEnv = await ok(h, ['config', 'get', 'web.port']);
    expect(fromEnv.stderr).toMatch(new RegExp(`web\\.port = ${h.port} \\(from ANIMA_WEB_PORT; config\\.json says ${newPort}\\)`));

    // 14.9 (status): the automatic-upgrade plan, in words.
    await ok(h, ['upgrade', '--check']);
    await ok(h, ['config', 'set', 'updates.auto', 'when-idle']);
    const planned = await waitFor(async () => {
      const r = await world.cli(['status'], { home: h.home, env: h.env });
      return /will upgrade to/.test(r.stdout) ? r.stdout : null;
    }, { what: 'the automatic-upgrade plan in the status', timeoutMs: 20_000 });
    expect(planned).toMatch(/will upgrade to 1\.1\.0 when agents have been idle for 10 min/);
    await ok(h, ['config', 'set', 'updates.auto', 'off']);

    // 14.10: a check that could not be made is said once, not "update check failed: Update check failed:".
    const failed = await world.cli(['upgrade', '--check'], { home: h.home, env: { ...h.env, ANIMA_REGISTRY: 'http://127.0.0.1:9/' } });
    expect(failed.code).toBe(1);
    const text = (await ok(h, ['status'])).stdout;
    expect(text).toMatch(/update check failed: /);
    expect(text).not.toMatch(/update check failed: update check failed/i);

    // 14.5: install while running moves the pin, not what runs; --channel picks, the setting stays.
    const install = await ok(h, ['runtime', 'install', '--channel', 'canary']);
    expect(install.stdout).toMatch(/Installed and pinned @meetquinn\/animactl@1\.2\.0-canary\.1/);
    expect(install.stdout).toMatch(/1\.0\.0 keeps running until the next restart/);
    expect(install.stdout).toMatch(/stays on the stable channel/);
    expect(JSON.parse(readFileSync(join(h.home, 'config.json'), 'utf8')).channel).toBe('stable');
    expect(json((await ok(h, ['runtime', 'status', '--json'])).stdout)).toMatchObject({ channel: 'stable', current: '1.0.0', running: '1.0.0', pinned: '1.2.0-canary.1' });
    expect((await ok(h, ['runtime', 'status'])).stdout).toMatch(/pinned\s+1\.2\.0-canary\.1 \(runs after the next restart\)/);
    expect(json((await ok(h, ['upgrade', '--check', '--json'])).stdout)).toMatchObject({ channel: 'stable', current: '1.0.0', pinned: '1.2.0-canary.1', target: '1.1.0', available: true });
    expect((await status(world, h)).runtime).toMatchObject({ version: '1.0.0', pinned: '1.2.0-canary.1' });
    // Not "Nothing newer" measured against a pin that never ran: the upgrade goes from what runs.
    const up = await ok(h, ['upgrade']);
    expect(up.stdout).toMatch(/Upgraded 1\.0\.0 → 1\.1\.0; verified/);
    expect((await status(world, h)).runtime).toMatchObject({ version: '1.1.0', pinned: '1.1.0' });

    // Going down says so.
    const down = await ok(h, ['restart', '--version', '1.0.0', '--json']);
    expect(json(down.stdout)).toMatchObject({ ok: true, message: 'Downgraded 1.1.0 → 1.0.0; verified' });
    await ok(h, ['stop']);
  });
});

describe('Ctrl-C during an operation', () => {
  it('says the operation goes on, how to follow it and how to cancel it (exit 130); `animactl cancel` rolls it back', async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-cli/hangs', ANIMA_WEB_START_TIMEOUT_MS: '60000' });
    await ok(h, ['start', '--no-browser', '--version', '1.0.0']);
    let child: ChildProcess | undefined;
    const upgrading = world.cli(['upgrade'], { home: h.home, env: h.env, onStderr: (_, c) => void (child ??= c) });
    await waitFor(async () => {
      const s = await status(world, h);
      return s.operation?.kind === 'upgrade' && s.services.web.state === 'starting';
    }, { what: 'the upgrade to wait for 1.1.0 to get healthy', timeoutMs: 30_000 });
    child!.kill('SIGINT');
    const r = await upgrading;
    expect(r.code, output(r)).toBe(130);
    expect(r.stderr).toMatch(/Interrupted: the upgrade goes on in the background/);
    expect(r.stderr).toMatch(/animactl status/);
    expect(r.stderr).toMatch(/animactl logs supervisor --follow/);
    expect(r.stderr).toMatch(/Cancel it: `animactl cancel`/);
    expect((await status(world, h)).operation).toMatchObject({ kind: 'upgrade' });

    const c = await ok(h, ['cancel']);
    expect(c.stdout).toMatch(/Cancelling the upgrade started/);
    await waitFor(async () => (await status(world, h)).operation === null, { what: 'the cancelled upgrade to roll back', timeoutMs: 30_000 });
    await expectRunningVerified(world, h, '1.0.0');
    await ok(h, ['stop']);
  });
});

describe('a failed upgrade', () => {
  it('reads as sentences: no doubled period between what failed and the rollback, in text or JSON', async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-cli/hangs', ANIMA_WEB_START_TIMEOUT_MS: '2000' });
    await ok(h, ['start', '--no-browser', '--version', '1.0.0']);
    const r = await world.cli(['upgrade', '--json'], { home: h.home, env: h.env });
    expect(r.code, output(r)).toBe(1);
    const outcome = json(r.stdout);
    expect(outcome.message).toMatch(/within 2 s\. Rolled back to 1\.0\.0/);
    const text = await world.cli(['restart', '--version', '1.1.0'], { home: h.home, env: h.env });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/within 2 s\. Rolled back to 1\.0\.0/);
    expect(text.stdout).not.toMatch(/\.\. /);
    await ok(h, ['stop']);
  });
});

describe('development homes', () => {
  it('start --dev says which home it made; --dev works wherever --home does; version commands refuse, in one sentence', async () => {
    const checkout = buildRuntimePackage(join(world.tmp, 'checkouts'), { version: '2.0.0-dev' });
    mkdirSync(join(checkout, 'node_modules', '@anima-fixtures'), { recursive: true });
    cpSync(buildTinyDep(join(world.tmp, 'checkout-deps'), '1.0.0'), join(checkout, 'node_modules', '@anima-fixtures', 'tiny-dep'), { recursive: true });
    const devHome = join(checkout, '.anima-dev');
    const env = { ...(await world.supervisedHome()).env, ANIMA_HOME: '' };
    try {
      const start = await world.cli(['start', '--no-browser', '--dev', checkout], { env });
      expect(start.code, output(start)).toBe(0);
      expect(start.stderr).toContain(`Created the development home ${devHome}`);
      const s = await world.cli(['status', '--json', '--dev', checkout], { env });
      expect(json(s.stdout)).toMatchObject({ home: devHome, environment: 'development', services: { web: { state: 'running' } } });
      for (const args of [['upgrade'], ['restart', '--version', '1.0.0'], ['runtime', 'install', '--version', '1.0.0'], ['restart', '--channel', 'canary']]) {
        const r = await world.cli([...args, '--dev', checkout], { env });
        expect(r.code, `${args.join(' ')}\n${output(r)}`).toBe(1);
        expect(r.stderr).toMatch(/is a development home: it runs the checkout .* so .* has no version to change/);
      }
      expect(json((await world.cli(['status', '--json', '--dev', checkout], { env })).stdout).runtime.version).not.toBe('1.0.0');
      const stop = await world.cli(['stop', '--dev', checkout], { env });
      expect(stop.code, output(stop)).toBe(0);
    } finally {
      killHome(devHome);
    }
  });
});
