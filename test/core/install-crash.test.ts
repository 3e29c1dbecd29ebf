// kill -9 during `runtime install`: whenever it lands, `current` points at a complete
// version, the pin in config.json names a complete version, and the next install finishes
// the job and sweeps what the dead one left. Real CLI processes, a real registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, PKG, startWorld, type World } from '../helpers/world';

let world: World;
let template: string;
beforeAll(async () => {
  world = await startWorld();
  // The starting point of every run: 1.0.0 installed and pinned.
  template = world.newHome();
  const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home: template });
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => world?.close());

let runs = 0;
function homeWith100(): { home: string; cache: string } {
  const home = world.newHome();
  cpSync(template, home, { recursive: true, verbatimSymlinks: true });
  // A cold download cache per run, so each install really goes to the registry.
  return { home, cache: join(world.tmp, `cache-crash-${++runs}`) };
}

interface Killed {
  killed: boolean;
  code: number | null;
  stderr: string;
}

/** Runs `runtime install --version 1.1.0` and SIGKILLs it when `at` shows on stderr, or `afterMs` after that. */
function installAndKill(home: string, cache: string, trigger: { at: RegExp; afterMs?: number }): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'runtime', 'install', '--version', '1.1.0'], {
      env: { ...world.env, ANIMA_HOME: home, npm_config_cache: cache },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let seen = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    child.stderr.on('data', (d) => {
      stderr += d;
      if (seen || !trigger.at.test(stderr)) return;
      seen = true;
      if (trigger.afterMs === undefined) kill();
      else timer = setTimeout(kill, trigger.afterMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, stderr });
    });
  });
}

function marker(home: string, version: string): { package: string; version: string } | null {
  try {
    return JSON.parse(readFileSync(join(home, 'runtime', 'versions', version, '.anima-install.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** A version folder that counts as installed and really is complete: marker, both mains, its dependency. */
function expectComplete(home: string, version: string, what: string): void {
  const dir = join(home, 'runtime', 'versions', version);
  expect(marker(home, version), `${what}: marker of ${version}`).toMatchObject({ package: PKG, version });
  for (const f of ['package.json', 'web.js', 'agent.js', join('node_modules', '@anima-fixtures', 'tiny-dep', 'package.json')]) {
    expect(existsSync(join(dir, f)), `${what}: ${version}/${f}`).toBe(true);
  }
}

/** The invariants that must hold at any instant, kill -9 or not. */
function expectConsistent(home: string, what: string): { current: string; pin: string } {
  const link = readlinkSync(join(home, 'runtime', 'current'));
  const m = /^versions[/\\]([^/\\]+)$/.exec(link);
  expect(m, `${what}: current -> ${link}`).not.toBeNull();
  const current = m![1];
  expectComplete(home, current, `${what} (current)`);
  // config.json is whole JSON (never torn), and its pin names a complete version.
  const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
  const pin = config.runtime.version as string;
  expect(['1.0.0', '1.1.0'], `${what}: pin`).toContain(pin);
  expectComplete(home, pin, `${what} (pin)`);
  return { current, pin };
}

/** After the next install, all is done and nothing the dead one left remains. */
async function expectRecovered(home: string, cache: string, what: string): Promise<void> {
  const r = await world.cli(['runtime', 'install', '--version', '1.1.0'], { home, env: { npm_config_cache: cache } });
  expect(r.code, `${what}: reinstall: ${r.stderr}`).toBe(0);
  expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).runtime.version).toBe('1.1.0');
  expect(readlinkSync(join(home, 'runtime', 'current'))).toBe(join('versions', '1.1.0'));
  expectComplete(home, '1.1.0', what);
  // No *.partial-*, .trash-*, current.tmp-*: only the link, the package store (without temporaries or trash), and the
  // two versions (the old one kept for rollback).
  expect(readdirSync(join(home, 'runtime')).sort(), what).toEqual(['current', 'store', 'versions']);
  expect(readdirSync(join(home, 'runtime', 'store')).filter((n) => n.startsWith('.')), what).toEqual([]);
  expect(readdirSync(join(home, 'runtime', 'versions')).sort(), what).toEqual(['1.0.0', '1.1.0']);
  expectComplete(home, '1.0.0', what);
  expect(existsSync(join(home, 'run', 'operation.lock')), `${what}: lock released`).toBe(false);
  // Nor the temporaries of an atomic write the kill cut short (config.json's, the lock's).
  expect(readdirSync(home).filter((n) => n.endsWith('.tmp')), what).toEqual([]);
  expect(readdirSync(join(home, 'run')).filter((n) => n.startsWith('operation.lock.')), what).toEqual([]);
}

describe('kill -9 during runtime install', () => {
  // The progress lines of a non-TTY install, in order. A kill lands wherever the child got to
  // by then: after the last two, the rest of the install is synchronous and may finish first.
  const points: Array<{ name: string; at: RegExp; mustDie: boolean }> = [
    { name: 'Resolving', at: /^Resolving /m, mustDie: true },
    { name: 'Downloading', at: /^Downloading /m, mustDie: true },
    { name: 'Installing the dependencies', at: /^Installing the dependencies /m, mustDie: true },
    { name: 'Checking', at: /^Checking /m, mustDie: false },
    { name: 'Pinning', at: /^Pinning /m, mustDie: false },
  ];

  for (const p of points) {
    it(`killed at "${p.name}": current and the pin stay on complete versions; the next install finishes cleanly`, async () => {
      const { home, cache } = homeWith100();
      const k = await installAndKill(home, cache, { at: p.at });
      expect(k.stderr).toMatch(p.at);
      if (p.mustDie) expect(k.killed, k.stderr).toBe(true);
      else expect(k.killed || k.code === 0, k.stderr).toBe(true);
      const { current, pin } = expectConsistent(home, `killed at ${p.name}`);
      if (p.mustDie) {
        // Nothing was activated yet: the old version still runs and is still the pin.
        expect(current).toBe('1.0.0');
        expect(pin).toBe('1.0.0');
        expect(marker(home, '1.1.0')).toBeNull();
      }
      await expectRecovered(home, cache, `killed at ${p.name}`);
    });
  }

  // Resolving to Pinning takes a few hundred ms here; a kill lands wherever the install got to.
  for (const afterMs of [100, 300]) {
    it(`killed ${afterMs} ms after "Resolving": the same invariants`, async () => {
      const { home, cache } = homeWith100();
      const k = await installAndKill(home, cache, { at: /^Resolving /m, afterMs });
      expect(k.killed || k.code === 0, k.stderr).toBe(true);
      expectConsistent(home, `killed after ${afterMs} ms`);
      await expectRecovered(home, cache, `killed after ${afterMs} ms`);
    });
  }
});

describe('a pin written but current not swapped', () => {
  async function homeWithBoth(): Promise<string> {
    const { home } = homeWith100();
    const r = await world.cli(['runtime', 'install', '--version', '1.1.0'], { home });
    expect(r.code, r.stderr).toBe(0);
    // As if a crash came between writing the pin and moving `current`: the pin says 1.0.0, current is on 1.1.0.
    const file = join(home, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config.runtime.version = '1.0.0';
    writeFileSync(file, JSON.stringify(config, null, 2));
    const status = await world.cli(['runtime', 'status', '--json'], { home });
    expect(JSON.parse(status.stdout)).toMatchObject({ current: '1.1.0', pinned: '1.0.0' });
    return home;
  }

  it('the next runtime install brings current back to the pin first, even when that install then fails', async () => {
    const home = await homeWithBoth();
    const r = await world.cli(['runtime', 'install', '--version', '9.9.9'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no version or dist-tag "9\.9\.9"/);
    expect(readlinkSync(join(home, 'runtime', 'current'))).toBe(join('versions', '1.0.0'));
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).runtime.version).toBe('1.0.0');
    expect(readdirSync(join(home, 'runtime')).sort()).toEqual(['current', 'store', 'versions']);
  });

  it('the next runtime install of another version ends with current and the pin on it', async () => {
    const home = await homeWithBoth();
    const r = await world.cli(['runtime', 'install'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${PKG}@1.1.0 was already installed; it is pinned.`);
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).runtime.version).toBe('1.1.0');
    expect(readlinkSync(join(home, 'runtime', 'current'))).toBe(join('versions', '1.1.0'));
    expect(readdirSync(join(home, 'runtime', 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
  });
});

describe('temporaries of atomic writes cut short', () => {
  it('the next install removes those of dead writers and leaves a live writer\'s alone', async () => {
    const { home } = homeWith100();
    // A pid that was just used and is gone now.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(deadPid).toBeGreaterThan(0);
    mkdirSync(join(home, 'run'), { recursive: true });
    const deadConfigTmp = join(home, `.config.json.${deadPid}.0123abcd.tmp`);
    const deadLockTmp = join(home, 'run', `operation.lock.${deadPid}.0123abcd`);
    const liveConfigTmp = join(home, `.config.json.${process.pid}.89abcdef.tmp`);
    for (const f of [deadConfigTmp, deadLockTmp, liveConfigTmp]) writeFileSync(f, '{"half":');
    const r = await world.cli(['runtime', 'install', '--version', '1.1.0'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(deadConfigTmp)).toBe(false);
    expect(existsSync(deadLockTmp)).toBe(false);
    // Someone alive may be about to rename it over config.json.
    expect(existsSync(liveConfigTmp)).toBe(true);
  });
});
