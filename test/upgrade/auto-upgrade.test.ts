// Opt-in automatic upgrades (updates.auto when-idle): announced before they happen, only
// once the agent has been idle for updates.idleMinutes, the same verified transaction as
// the one click, never a skipped version, never one that failed before, never with `off`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorld, type World } from '../helpers/world';
import { audit, enqueue, problems } from '../helpers/reference-queue';
import { waitFor } from '../helpers/wait';
import { decideAutoUpgrade, type AutoUpgradeInput } from '../../main/supervisor/auto-upgrade';
import type { UpdateState } from '../../main/shared/status';
import { expectRunningVerified, output, startAt, status, type Supervised } from './lib';

describe('deciding an automatic upgrade', () => {
  const offer: UpdateState = { channel: 'stable', current: '1.0.0', target: '1.1.0', available: true, downgrade: false, skipped: false, checkedAt: null, lastSuccessAt: null };
  const base: AutoUpgradeInput = {
    settings: { checkIntervalHours: 6, skipped: [], auto: 'when-idle', idleMinutes: 10, prepare: true },
    offer,
    failedVersion: null,
    agent: { running: true, active: 0, queued: 0 },
    idleSince: null,
    now: 1_000_000,
  };
  it('waits for idleMinutes of an idle agent, then goes', () => {
    const first = decideAutoUpgrade(base);
    expect(first).toMatchObject({ plan: { target: '1.1.0', idleSince: new Date(1_000_000).toISOString() }, go: false });
    expect(decideAutoUpgrade({ ...base, idleSince: 1_000_000, now: 1_000_000 + 9 * 60_000 })).toMatchObject({ go: false });
    expect(decideAutoUpgrade({ ...base, idleSince: 1_000_000, now: 1_000_000 + 10 * 60_000 })).toMatchObject({ go: true });
  });
  it('an active or queued item, or a stopped agent, restarts the wait', () => {
    for (const agent of [{ running: true, active: 1, queued: 0 }, { running: true, active: 0, queued: 2 }, { running: false, active: 0, queued: 0 }]) {
      expect(decideAutoUpgrade({ ...base, agent, idleSince: 1, now: 1_000_000 })).toMatchObject({ plan: { idleSince: null, dueAt: null }, idleSince: null, go: false });
    }
  });
  it('never with off, a skipped version, one that failed before, or no offer', () => {
    for (const input of [
      { ...base, settings: { ...base.settings, auto: 'off' as const } },
      { ...base, settings: { ...base.settings, skipped: ['1.1.0'] } },
      { ...base, offer: { ...offer, skipped: true, available: false } },
      { ...base, failedVersion: '1.1.0' },
      { ...base, offer: null },
      { ...base, offer: { ...offer, available: false } },
    ]) {
      expect(decideAutoUpgrade({ ...input, idleSince: 1, now: 10 ** 9 })).toEqual({ plan: null, idleSince: null });
    }
  });
});

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.publishRuntime({ name: '@anima-auto/broken', version: '1.0.0' });
  await world.publishRuntime({ name: '@anima-auto/broken', version: '1.1.0', web: 'wrong-version' });
});
afterAll(() => world?.close());

/** Checks the registry soon after start and looks at idleness often, so the test takes seconds. */
const FAST = { ANIMA_FIRST_UPDATE_CHECK_MS: '300', ANIMA_AUTO_UPGRADE_TICK_MS: '200' };

async function ok(h: Supervised, args: string[]): Promise<void> {
  const r = await world.cli(args, { home: h.home, env: h.env });
  expect(r.code, output(r)).toBe(0);
}

function autoAttempts(h: Supervised): number {
  return (readFileSync(join(h.home, 'logs', 'supervisor.log'), 'utf8').match(/by itself \(updates\.auto is when-idle\)/g) ?? []).length;
}

describe('updates.auto when-idle, with a real supervisor', () => {
  it('says it will upgrade, waits while the agent works, then upgrades with no item lost', async () => {
    const h = await world.supervisedHome(FAST);
    await startAt(world, h, '1.0.0');
    const items = [{ id: 'busy', steps: 4, stepMs: 700 }];
    enqueue(h.home, items[0]);
    await ok(h, ['config', 'set', 'updates.idleMinutes', '0.02']);
    await ok(h, ['config', 'set', 'updates.auto', 'when-idle']);

    // Announced while the agent works, before anything happens.
    const announced = await waitFor(async () => {
      const s = await status(world, h);
      return s.update?.auto?.target === '1.1.0' ? s : null;
    }, { what: 'the plan to upgrade to 1.1.0 to show in the status', timeoutMs: 20_000 });
    expect(announced.runtime.version).toBe('1.0.0');

    await waitFor(async () => (await status(world, h)).runtime.version === '1.1.0', { what: 'the automatic upgrade to 1.1.0', timeoutMs: 60_000 });
    await waitFor(async () => (await status(world, h)).operation === null, { what: 'the upgrade to finish' });
    await expectRunningVerified(world, h, '1.1.0');
    const a = audit(h.home);
    expect(problems(a, items)).toEqual([]);
    // Every step of the item was done by 1.0.0: nothing was upgraded while it worked.
    expect(a.steps.filter((s) => s.item === 'busy').map((s) => s.version)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    // The outcome is published once the upgrade has also refreshed the offer.
    const s = await waitFor(async () => {
      const st = await status(world, h);
      return st.update?.lastAutoUpgrade ? st : null;
    }, { what: 'the outcome of the automatic upgrade in the status' });
    expect(s.update.lastAutoUpgrade).toMatchObject({ to: '1.1.0', ok: true });
    expect(s.update.auto).toBeNull();
  });

  it('a broken offered version is rolled back once and never tried again by itself', async () => {
    const h = await world.supervisedHome({ ...FAST, ANIMA_RUNTIME_PACKAGE: '@anima-auto/broken' });
    await startAt(world, h, '1.0.0');
    await ok(h, ['config', 'set', 'updates.idleMinutes', '0']);
    await ok(h, ['config', 'set', 'updates.auto', 'when-idle']);
    await waitFor(async () => (await status(world, h)).update?.lastAutoUpgrade, { what: 'the automatic upgrade to end', timeoutMs: 60_000 });
    // Many more ticks: no second attempt.
    await sleep(3000);
    expect(autoAttempts(h)).toBe(1);
    const s = await status(world, h);
    expect(s.update.lastAutoUpgrade).toMatchObject({ to: '1.1.0', ok: false });
    expect(s.update.failedUpgrade).toMatchObject({ version: '1.1.0' });
    await expectRunningVerified(world, h, '1.0.0');
  });

  for (const [name, settings] of [
    ['off (the default)', []],
    ['a skipped version', [['updates.skipped', '1.1.0'], ['updates.auto', 'when-idle']]],
  ] as const) {
    it(`${name}: nothing installs, however idle the agent`, async () => {
      const h = await world.supervisedHome(FAST);
      await startAt(world, h, '1.0.0');
      await ok(h, ['config', 'set', 'updates.idleMinutes', '0']);
      for (const [k, v] of settings) await ok(h, ['config', 'set', k, v]);
      await waitFor(async () => (await status(world, h)).update?.target === '1.1.0', { what: 'the update check to offer 1.1.0', timeoutMs: 20_000 });
      await sleep(2500);
      expect(autoAttempts(h)).toBe(0);
      const s = await status(world, h);
      expect(s.runtime.version).toBe('1.0.0');
      expect(s.update.auto).toBeNull();
    });
  }
});
