// Edge cases a review found in the operations: a failed first start leaves nothing
// running; installing while services run never removes the version they run from;
// `restart --version <pin>` on a stopped home ends running and verified; a channel
// change by `restart --channel` is kept only if the new version verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceProcesses, startWorld, type World } from '../helpers/world';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  // Dies 500 ms after its boot, without a status file: a slow boot on a loaded machine, made
  // certain. An agent counted up after a shorter survival would make start succeed.
  await world.publishRuntime({ name: '@anima-edge/agent-dies', version: '1.0.0', agent: 'crash-on-start', extra: { crashAfterMs: 500 } });
  await world.publishRuntime({ name: '@anima-edge/bad-canary', version: '1.0.0' });
  await world.publishRuntime({ name: '@anima-edge/bad-canary', version: '1.1.0-canary.1', web: 'wrong-version' }, 'canary');
});
afterAll(() => world?.close());

const status = async (home: string, env: NodeJS.ProcessEnv) => JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout);

describe('operations, edge cases', () => {
  it('a first start whose agent dies leaves no web behind (and no half-made home)', async () => {
    const { home, env } = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-edge/agent-dies' });
    const r = await world.cli(['start', '--no-browser'], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/agent 1\.0\.0 exited while starting/);
    expect(serviceProcesses(home).web).toEqual([]);
    expect(serviceProcesses(home).agent).toEqual([]);
  });

  it('installing while services run never removes the version they run from', async () => {
    const { home, env } = await world.supervisedHome();
    expect((await world.cli(['start', '--no-browser', '--version', '1.0.0'], { home, env })).code).toBe(0);
    for (const v of ['1.1.0', '1.2.0-canary.1']) expect((await world.cli(['runtime', 'install', '--version', v], { home, env })).code).toBe(0);
    // keepVersions is 2, but 1.0.0 still runs: it stays, beside the pin.
    expect(readdirSync(join(home, 'runtime', 'versions')).sort()).toContain('1.0.0');
    expect((await world.cli(['verify'], { home, env })).code).toBe(0);
    // start doesn't change versions behind the user's back.
    const start = await world.cli(['start', '--no-browser', '--version', '1.1.0'], { home, env });
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/restart --version 1\.1\.0/);
    await world.cli(['stop'], { home, env });
  });

  it('`restart --version <the pin>` on a stopped home ends with it running and verified', async () => {
    const { home, env } = await world.supervisedHome();
    expect((await world.cli(['runtime', 'install', '--version', '1.1.0'], { home, env })).code).toBe(0);
    const r = await world.cli(['restart', '--version', '1.1.0'], { home, env });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const s = await status(home, env);
    expect(s.services.web.state).toBe('running');
    expect(s.runtime.version).toBe('1.1.0');
    await world.cli(['stop'], { home, env });
  });

  it('`restart --channel canary` to a canary that fails verification rolls back and keeps the channel as it was', async () => {
    const { home, env } = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-edge/bad-canary' });
    expect((await world.cli(['start', '--no-browser'], { home, env })).code).toBe(0);
    const r = await world.cli(['restart', '--channel', 'canary'], { home, env });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/Rolled back to 1\.0\.0/);
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).channel).toBe('stable');
    expect((await status(home, env)).runtime.version).toBe('1.0.0');
    await world.cli(['stop'], { home, env });
  });
});

describe('a restart whose target cannot be had stops nothing', () => {
  for (const [key, value, says] of [
    ['runtime.version', '9.9.9', /9\.9\.9/],
    ['runtime.source', '/tmp/x/anmia', /\/tmp\/x\/anmia/],
  ] as const) {
    it(`${key} ${value}: restart fails before the drain; the same processes keep running`, async () => {
      const { home, env } = await world.supervisedHome();
      const start = await world.cli(['start', '--no-browser', '--version', '1.0.0'], { home, env });
      expect(start.code, start.stderr).toBe(0);
      const before = await status(home, env);
      // Written by hand, as a user might: the file is what every restart reads.
      const file = join(home, 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8'));
      const [section, name] = key.split('.');
      config[section][name] = value;
      writeFileSync(file, JSON.stringify(config, null, 2));

      const r = await world.cli(['restart'], { home, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(says);
      const after = await status(home, env);
      expect(after.services.web).toMatchObject({ state: 'running', pid: before.services.web.pid });
      expect(after.services.agent).toMatchObject({ state: 'running', pid: before.services.agent.pid });
    });
  }
});

describe('a broken config.json and no supervisor', () => {
  it('stop still reaches the services a killed supervisor left running', async () => {
    const { home, env } = await world.supervisedHome();
    const start = await world.cli(['start', '--no-browser', '--version', '1.0.0'], { home, env });
    expect(start.code, start.stderr).toBe(0);
    const supervisor = JSON.parse(readFileSync(join(home, 'run', 'supervisor.pid'), 'utf8')).pid;
    process.kill(supervisor, 'SIGKILL');
    const file = join(home, 'config.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(',', ''));
    const broken = readFileSync(file, 'utf8');
    expect(serviceProcesses(home).web).toHaveLength(1);

    const stop = await world.cli(['stop'], { home, env });
    expect(stop.code, stop.stderr).toBe(0);
    expect(serviceProcesses(home)).toEqual({ web: [], agent: [] });
    // Never rewritten behind the user's back.
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });
});
