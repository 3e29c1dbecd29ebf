// Channels and the update offer: stable follows `latest` and never offers a
// pre-release; canary is an explicit opt-in; leaving canary is a downgrade that only
// an explicit `restart --version` performs; a skipped version is not offered.
// Catalogue: 1.0.0, 1.1.0 (latest), 1.2.0-canary.1 (canary).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../helpers/world';
import { expectRunningVerified, json, output, pinAndCurrent, status, type Supervised } from './lib';
import { waitFor } from '../helpers/wait';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

async function check(h: Supervised): Promise<any> {
  const r = await world.cli(['upgrade', '--check', '--json'], { home: h.home, env: h.env });
  expect(r.code, output(r)).toBe(0);
  return json(r.stdout);
}

async function ok(h: Supervised, args: string[]): Promise<string> {
  const r = await world.cli(args, { home: h.home, env: h.env });
  expect(r.code, `animactl ${args.join(' ')}\n${output(r)}`).toBe(0);
  return r.stdout;
}

describe('channels', () => {
  it('stable never offers the canary; canary opt-in upgrades to it; back on stable only an explicit restart --version downgrades', async () => {
    const h: Supervised = await world.supervisedHome();
    await ok(h, ['start', '--no-browser']);
    await expectRunningVerified(world, h, '1.1.0');

    // Stable: latest is 1.1.0, the canary is never offered, and upgrade has nothing to do.
    expect(await check(h)).toMatchObject({ channel: 'stable', current: '1.1.0', target: '1.1.0', available: false, downgrade: false });
    const pidsBefore = (await status(world, h)).services;
    expect(await ok(h, ['upgrade'])).toMatch(/Already on 1\.1\.0/);
    expect((await status(world, h)).services.web.pid).toBe(pidsBefore.web.pid);
    expect(pinAndCurrent(h.home)).toEqual({ pin: '1.1.0', current: '1.1.0' });

    // Canary, by explicit opt-in.
    await ok(h, ['config', 'set', 'channel', 'canary']);
    expect(await check(h)).toMatchObject({ channel: 'canary', current: '1.1.0', target: '1.2.0-canary.1', available: true });
    expect(await ok(h, ['upgrade'])).toMatch(/Upgraded 1\.1\.0 → 1\.2\.0-canary\.1; verified/);
    await expectRunningVerified(world, h, '1.2.0-canary.1');
    expect((await status(world, h)).environment).toBe('canary');

    // Back to stable: 1.1.0 is offered as a downgrade only, and `upgrade` never takes it.
    await ok(h, ['config', 'set', 'channel', 'stable']);
    expect(await check(h)).toMatchObject({ channel: 'stable', current: '1.2.0-canary.1', target: '1.1.0', available: false, downgrade: true });
    const canaryPids = (await status(world, h)).services;
    expect(await ok(h, ['upgrade'])).toMatch(/Nothing newer on stable.*restart --version 1\.1\.0/);
    const still = await status(world, h);
    expect(still.runtime).toMatchObject({ version: '1.2.0-canary.1', pinned: '1.2.0-canary.1' });
    expect(still.services.web.pid).toBe(canaryPids.web.pid);
    expect(still.services.agent.pid).toBe(canaryPids.agent.pid);
    expect(pinAndCurrent(h.home)).toEqual({ pin: '1.2.0-canary.1', current: '1.2.0-canary.1' });

    // The explicit downgrade, through the upgrade transaction: verified.
    expect(await ok(h, ['restart', '--version', '1.1.0'])).toMatch(/1\.2\.0-canary\.1 → 1\.1\.0; verified/);
    await expectRunningVerified(world, h, '1.1.0');
    expect((await status(world, h)).environment).toBe('stable');
    expect(await check(h)).toMatchObject({ channel: 'stable', current: '1.1.0', target: '1.1.0', available: false, downgrade: false });
  });

  it('a skipped version is no longer offered; a newer one would be', async () => {
    const h: Supervised = await world.supervisedHome();
    await ok(h, ['runtime', 'install', '--version', '1.0.0']);
    expect(await check(h)).toMatchObject({ channel: 'stable', current: '1.0.0', target: '1.1.0', available: true, skipped: false });
    await ok(h, ['config', 'set', 'updates.skipped', '1.1.0']);
    expect(await check(h)).toMatchObject({ channel: 'stable', current: '1.0.0', target: '1.1.0', available: false, skipped: true });
    const text = await ok(h, ['upgrade', '--check']);
    expect(text).toMatch(/1\.1\.0 is available but you chose to skip it/);
    // `upgrade` honours the skip too: nothing to do, nothing installed; asked for by name, it installs.
    expect(await ok(h, ['upgrade'])).toMatch(/1\.1\.0 is available but you chose to skip it; nothing to do/);
    expect(pinAndCurrent(h.home)).toEqual({ pin: '1.0.0', current: '1.0.0' });
    expect(await ok(h, ['restart', '--version', '1.1.0'])).toMatch(/1\.1\.0; verified/);
    await ok(h, ['restart', '--version', '1.0.0']);
    await ok(h, ['stop']);
    // Skipping 1.1.0 says nothing about the canary: opting in offers it.
    await ok(h, ['config', 'set', 'channel', 'canary']);
    expect(await check(h)).toMatchObject({ channel: 'canary', target: '1.2.0-canary.1', available: true, skipped: false });
  });

  it('status shows one update state: refreshed by any check, decided against what runs, dropped by a channel change', async () => {
    const h: Supervised = await world.supervisedHome();
    await ok(h, ['start', '--no-browser', '--version', '1.0.0']);
    // The supervisor's own first check is far off: a CLI check is what status must show.
    await ok(h, ['upgrade', '--check']);
    expect((await status(world, h)).update).toMatchObject({ channel: 'stable', current: '1.0.0', target: '1.1.0', available: true });

    await ok(h, ['config', 'set', 'channel', 'canary']);
    const onCanary = await waitFor(async () => {
      const u = (await status(world, h)).update;
      return u?.channel === 'canary' && u.target ? u : null;
    }, { what: 'the canary offer', timeoutMs: 20_000 });
    expect(onCanary).toMatchObject({ target: '1.2.0-canary.1', available: true });

    // Back on stable, the canary's answer is gone at once, and stable's comes back.
    await ok(h, ['config', 'set', 'channel', 'stable']);
    const now = (await status(world, h)).update;
    expect(now.channel).toBe('stable');
    expect(now.target).not.toBe('1.2.0-canary.1');
    await waitFor(async () => (await status(world, h)).update?.target === '1.1.0', { what: "stable's offer again", timeoutMs: 20_000 });

    // After upgrading, nothing stale: the offer is decided against what runs now.
    await ok(h, ['upgrade']);
    expect((await status(world, h)).update).toMatchObject({ current: '1.1.0', target: '1.1.0', available: false });
  });
});

