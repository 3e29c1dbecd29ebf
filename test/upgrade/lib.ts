// Shared by the upgrade tests: reading a home's state from the outside (config.json,
// the `current` link, the processes that run for it, what its web service says).
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { serviceProcesses, type CliResult, type World } from '../helpers/world';

export interface Supervised {
  home: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

export function json<T = any>(s: string): T {
  return JSON.parse(s) as T;
}

/** The pin (config.json runtime.version) and the version runtime/current points at. */
export function pinAndCurrent(home: string): { pin: string | null; current: string | null } {
  const file = join(home, 'config.json');
  const pin = existsSync(file) ? (json(readFileSync(file, 'utf8')).runtime?.version ?? null) : null;
  let current: string | null = null;
  try {
    const link = readlinkSync(join(home, 'runtime', 'current'));
    expect(link, 'runtime/current must point inside runtime/versions').toBe(join('versions', basename(link)));
    current = basename(link);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { pin, current };
}

export async function serverInfo(port: number): Promise<Record<string, any>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/server-info`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

export async function status(world: World, h: Supervised): Promise<any> {
  const r = await world.cli(['status', '--json'], { home: h.home, env: h.env });
  expect(r.code, r.stderr).toBe(0);
  return json(r.stdout);
}

export function output(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/**
 * The home runs `version` and nothing else: the pin, `current`, what the supervisor
 * reports and what the web service itself says all agree, exactly one web and one
 * agent process run, and `animactl verify` (contract §6) passes.
 */
export async function expectRunningVerified(world: World, h: Supervised, version: string): Promise<void> {
  expect(pinAndCurrent(h.home)).toEqual({ pin: version, current: version });
  const s = await status(world, h);
  expect(s.runtime.version).toBe(version);
  expect(s.runtime.pinned).toBe(version);
  expect(s.services.web.state).toBe('running');
  expect(s.services.agent.state).toBe('running');
  expect(s.operation).toBeNull();
  expect((await serverInfo(h.port)).version).toBe(version);
  const procs = serviceProcesses(h.home);
  expect(procs).toEqual({ web: [s.services.web.pid], agent: [s.services.agent.pid] });
  const v = await world.cli(['verify', '--json'], { home: h.home, env: h.env });
  expect(v.code, output(v)).toBe(0);
  expect(json(v.stdout)).toMatchObject({ ok: true, version });
}

export async function startAt(world: World, h: Supervised, version: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await world.cli(['start', '--no-browser', '--version', version], { home: h.home, env: { ...h.env, ...env } });
  expect(r.code, output(r)).toBe(0);
}
