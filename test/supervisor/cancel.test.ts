// A way out of an operation that waits: an upgrade whose web service never gets healthy
// would hold the home for ANIMA_WEB_START_TIMEOUT_MS (30 s by default). Cancelling it makes
// it wind down like a failure: rolled back, verified, and the version still offered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connectIfRunning } from '../../main/core/control-client';
import { layout } from '../../main/core/home';
import { startWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';
import { expectRunningVerified, output, startAt, status, type Supervised } from '../upgrade/lib';

let world: World;
beforeAll(async () => {
  world = await startWorld({ standard: false });
  await world.publishRuntime({ name: '@anima-cancel/hangs', version: '1.0.0' });
  await world.publishRuntime({ name: '@anima-cancel/hangs', version: '1.1.0', web: 'never-healthy' });
});
afterAll(() => world?.close());

describe('cancelling a running operation', () => {
  it('an upgrade waiting for a web service that never gets healthy is cancelled, rolled back and verified, at once', async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-cancel/hangs', ANIMA_WEB_START_TIMEOUT_MS: '60000' });
    await startAt(world, h, '1.0.0');
    const t0 = Date.now();
    const upgrading = world.cli(['upgrade'], { home: h.home, env: h.env });
    await waitFor(async () => { const s = await status(world, h); return s.operation?.kind === 'upgrade' && s.services.web.state === 'starting'; }, { what: 'the upgrade to wait for 1.1.0 to get healthy', timeoutMs: 30_000 });

    // Refused while it runs, with the way out named.
    const stop = await world.cli(['stop'], { home: h.home, env: h.env });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/animactl cancel/);

    const client = await connectIfRunning(layout(h.home));
    try {
      const answer = await client!.request('cancel', {});
      expect(answer.cancelled).toMatchObject({ kind: 'upgrade' });
      // Cancelling twice is not an error: nothing more to cancel.
      expect((await client!.request('cancel', {})).cancelled).toBeNull();
    } finally {
      client?.close();
    }

    const r = await upgrading;
    expect(r.code, output(r)).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/cancelled: Cancelled by the user while waiting for web 1\.1\.0/);
    expect(r.stdout + r.stderr).toMatch(/Rolled back to 1\.0\.0, which runs again \(verified\)/);
    expect(Date.now() - t0).toBeLessThan(40_000);
    await expectRunningVerified(world, h, '1.0.0');
    // A cancel is not the version's failure: it is still offered, not remembered as broken.
    expect(existsSync(join(h.home, 'run', 'failed-upgrade.json'))).toBe(false);
  });

  it('nothing running: cancel has nothing to cancel', async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@anima-cancel/hangs' });
    await startAt(world, h, '1.0.0');
    const client = await connectIfRunning(layout(h.home));
    try {
      expect(await client!.request('cancel', {})).toEqual({ cancelled: null });
    } finally {
      client?.close();
    }
  });
});
