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

  it('a user operation during a preparation goes first; what the preparation had staged goes, and it starts over after', async () => {
    // Held: the dependency lookup of 1.1.0's install, once its package has downloaded, so that
    // the preparation is cut with a staging folder and its installer child in place. The lookup
    // reaches the registry only with an npm cache that lacks tiny-dep's packument: 1.0.0 is
    // installed with one cache, then the supervisor starts again with an empty one, and prepares.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let nextDownloaded = false;
    const proxy = await startTamperingRegistry(world.registry.url, {
      before: (url) => {
        if (url.includes('animactl-1.1.0.tgz')) nextDownloaded = true;
        return nextDownloaded && url.includes('tiny-dep') && !url.endsWith('.tgz') ? held : Promise.resolve();
      },
    });
    try {
      const first = { ANIMA_REGISTRY: proxy.url, npm_config_cache: join(world.tmp, 'cache-prepare-cut-1') };
      const h: Supervised = await world.supervisedHome(first);
      await startAt(world, h, '1.0.0', first);
      const stopped = await world.cli(['stop'], { home: h.home, env: { ...h.env, ...first } });
      expect(stopped.code, output(stopped)).toBe(0);
      await waitFor(async () => (await status(world, h)).supervisor === null, { what: 'the stopped supervisor to exit' });
      const env = { ...CHECK_SOON, ANIMA_REGISTRY: proxy.url, npm_config_cache: join(world.tmp, 'cache-prepare-cut-2') };
      await startAt(world, h, '1.0.0', env);
      const versions = join(h.home, 'runtime', 'versions');
      const staged = () => readdirSync(versions).filter((n) => n.startsWith('1.1.0.partial-') && !n.endsWith('.writer.json'));
      await waitFor(() => staged().length === 1 && readdirSync(versions).some((n) => n.endsWith('.writer.json')), { what: '1.1.0 to be staged, its installer running', timeoutMs: 30_000 });
      expect((await status(world, h)).update?.preparing).toBe(true);

      // Not refused as busy: the preparation is cancelled, the restart runs, and what it had staged is
      // gone. (Preparing is turned off first, or the preparation that starts over after the restart
      // would sweep the cut one itself.)
      const off = await world.cli(['config', 'set', 'updates.prepare', 'false'], { home: h.home, env: { ...h.env, ...env } });
      expect(off.code, output(off)).toBe(0);
      const r = await world.cli(['restart'], { home: h.home, env: { ...h.env, ...env } });
      expect(r.code, output(r)).toBe(0);
      await expectRunningVerified(world, h, '1.0.0');
      expect((await status(world, h)).update).toMatchObject({ preparing: false, prepared: false });
      expect((await status(world, h)).update?.prepareError).toBeUndefined();
      expect(readdirSync(versions).sort()).toEqual(['1.0.0']);

      // Turned on again, it starts over when the next operation ends, and completes once the registry answers.
      const on = await world.cli(['config', 'set', 'updates.prepare', 'true'], { home: h.home, env: { ...h.env, ...env } });
      expect(on.code, output(on)).toBe(0);
      const again = await world.cli(['restart'], { home: h.home, env: { ...h.env, ...env } });
      expect(again.code, output(again)).toBe(0);
      release();
      await waitFor(async () => (await status(world, h)).update?.prepared === true, { what: '1.1.0 to be prepared after the restart', timeoutMs: 30_000 });
      expect(readdirSync(versions).sort()).toEqual(['1.0.0', '1.1.0']);
      expect(pinAndCurrent(h.home)).toEqual({ pin: '1.0.0', current: '1.0.0' });
    } finally {
      release();
      await proxy.close();
    }
  }, 90_000);
});
