// Prepared upgrades (updates.prepare, main/supervisor/prepare.ts): a version a check offers
// is installed beside the running one in the background, never pinned or started; the
// click then only drains, restarts and verifies. Any operation goes before a preparation.
// Real registry, real supervisor and services, real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import { startTamperingRegistry } from '../helpers/bad-registries';
import { waitFor } from '../helpers/wait';
import { expectRunningVerified, output, pinAndCurrent, startAt, status, type Supervised } from './lib';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

/** The home's first update check soon after its supervisor starts. */
const CHECK_SOON = { ANIMA_FIRST_UPDATE_CHECK_MS: '300' };

describe('prepared upgrades', () => {
  it('installs the offered version beside the running one without touching it; the click then downloads nothing', async () => {
    const h: Supervised = await world.supervisedHome(CHECK_SOON);
    await startAt(world, h, '1.0.0');
    const before = await status(world, h);
    await waitFor(async () => (await status(world, h)).update?.prepared === true, { what: '1.1.0 to be prepared', timeoutMs: 30_000 });

    // Nothing about what runs changed: same pin, same processes, same version answering.
    expect(pinAndCurrent(h.home)).toEqual({ pin: '1.0.0', current: '1.0.0' });
    const prepared = await status(world, h);
    expect(prepared.update).toMatchObject({ target: '1.1.0', available: true, prepared: true, preparing: false });
    expect(prepared.services.web.pid).toBe(before.services.web.pid);
    expect(prepared.services.agent.pid).toBe(before.services.agent.pid);
    expect(prepared.operation).toBeNull();
    expect(existsSync(join(h.home, 'runtime', 'versions', '1.1.0', '.anima-install.json'))).toBe(true);

    const from = world.registry.requests.length;
    const r = await world.cli(['upgrade'], { home: h.home, env: h.env });
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(/Upgraded 1\.0\.0 → 1\.1\.0; verified/);
    // The version on offer, already on disk: neither the registry nor an install.
    expect(r.stderr).toMatch(/1\.1\.0, on offer and prepared/);
    expect(r.stderr).not.toMatch(/Downloading|Installing the dependencies/);
    expect(world.registry.requests.slice(from).filter((q) => q.url.includes('/-/'))).toEqual([]);
    await expectRunningVerified(world, h, '1.1.0');
  }, 90_000);

  it('with updates.prepare false, a check offers the version and installs nothing', async () => {
    const h: Supervised = await world.supervisedHome(CHECK_SOON);
    const set = await world.cli(['config', 'set', 'updates.prepare', 'false'], { home: h.home, env: h.env });
    expect(set.code, output(set)).toBe(0);
    await startAt(world, h, '1.0.0');
    await waitFor(async () => (await status(world, h)).update?.available === true, { what: 'the check to offer 1.1.0', timeoutMs: 30_000 });
    // Long enough for a preparation to have started and shown, had there been one.
    await new Promise((r) => setTimeout(r, 1500));
    const s = await status(world, h);
    expect(s.update).toMatchObject({ target: '1.1.0', prepared: false, preparing: false });
    expect(readdirSync(join(h.home, 'runtime', 'versions'))).toEqual(['1.0.0']);
  }, 90_000);

  it('a user operation during a preparation goes first; the preparation starts over after it and leaves nothing behind', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const proxy = await startTamperingRegistry(world.registry.url, { before: (url) => (url.includes('animactl-1.1.0.tgz') ? held : Promise.resolve()) });
    try {
      const h: Supervised = await world.supervisedHome({ ...CHECK_SOON, ANIMA_REGISTRY: proxy.url });
      await startAt(world, h, '1.0.0', { ANIMA_REGISTRY: proxy.url });
      await waitFor(async () => (await status(world, h)).update?.preparing === true, { what: 'the preparation of 1.1.0 to start', timeoutMs: 30_000 });

      // Not refused as busy: the preparation is cancelled, the restart runs.
      const r = await world.cli(['restart'], { home: h.home, env: { ...h.env, ANIMA_REGISTRY: proxy.url } });
      expect(r.code, output(r)).toBe(0);
      await expectRunningVerified(world, h, '1.0.0');
      expect((await status(world, h)).update?.prepareError).toBeUndefined();

      // Then it starts over, and completes once the registry answers.
      release();
      await waitFor(async () => (await status(world, h)).update?.prepared === true, { what: '1.1.0 to be prepared after the restart', timeoutMs: 30_000 });
      expect(readdirSync(join(h.home, 'runtime', 'versions')).sort()).toEqual(['1.0.0', '1.1.0']);
      expect(pinAndCurrent(h.home)).toEqual({ pin: '1.0.0', current: '1.0.0' });
    } finally {
      release();
      await proxy.close();
    }
  }, 90_000);
});
