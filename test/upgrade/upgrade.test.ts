// The one-click upgrade end to end: real registry, real supervisor, real services of
// the reference runtime, driven through the real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import { audit, enqueue, problems } from '../helpers/reference-queue';
import { waitFor } from '../helpers/wait';
import { expectRunningVerified, output, pinAndCurrent, startAt, status, type Supervised } from './lib';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

function pendingCount(home: string): number {
  const dir = join(home, 'reference', 'queue', 'pending');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0;
}

describe('animactl upgrade', () => {
  it('upgrades stable 1.0.0 → 1.1.0 with drain-and-resume: pin and current move, provider configs stay byte-identical, no agent item is lost', async () => {
    const h: Supervised = await world.supervisedHome();
    await startAt(world, h, '1.0.0');
    expect(pinAndCurrent(h.home)).toEqual({ pin: '1.0.0', current: '1.0.0' });
    const before = await status(world, h);

    // Two agents' provider configs, with bytes a careless rewrite would change
    // (key order, no trailing newline, CRLF, non-ASCII, odd spacing).
    const providers: Record<string, Buffer> = {
      alice: Buffer.from('{"provider":"slack","token":"xoxb-1",  "z":1,"a":2}'),
      bob: Buffer.from('{\r\n  "provider": "openai",\r\n  "note": "naïve café ✓"\r\n}\r\n'),
    };
    for (const [agent, bytes] of Object.entries(providers)) {
      mkdirSync(join(h.home, 'agents', agent), { recursive: true });
      writeFileSync(join(h.home, 'agents', agent, 'provider.json'), bytes);
    }

    // Multi-step work, kept coming for as long as the upgrade runs, so that whenever the
    // drain comes (however slow the machine), items are mid-way through their steps.
    const items: Array<{ id: string; steps: number; stepMs: number }> = [];
    const add = () => {
      // Many short steps, two step lengths: the two items an agent works on drift apart, so the
      // drain (whenever it comes) finds one that is not on its last step. With six steps of
      // 150 ms in lockstep, an upgrade lasting about one item's length drained both on their
      // last step, every time, and nothing was left to resume.
      const item = { id: `item-${items.length + 1}`, steps: 60, stepMs: items.length % 2 ? 25 : 32 };
      items.push(item);
      enqueue(h.home, item);
    };
    for (let i = 0; i < 4; i++) add();
    await waitFor(() => audit(h.home).inflight.length > 0 && audit(h.home).steps.length > 0, { what: 'the 1.0.0 agent to be working on items', timeoutMs: 20_000 });
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        if (pendingCount(h.home) < 2) add();
        await sleep(50);
      }
    })();

    const r = await world.cli(['upgrade'], { home: h.home, env: h.env }).finally(() => (feeding = false));
    await feeder;
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(/Upgraded 1\.0\.0 → 1\.1\.0; verified/);
    // A drain, not a kill: the agent finished its current steps on its own.
    expect(r.stdout + r.stderr).toMatch(/Draining/);
    expect(r.stdout + r.stderr).not.toMatch(/forc|killed/i);

    await expectRunningVerified(world, h, '1.1.0');
    const after = await status(world, h);
    expect(after.services.web.pid).not.toBe(before.services.web.pid);
    expect(after.services.agent.pid).not.toBe(before.services.agent.pid);

    for (const [agent, bytes] of Object.entries(providers)) {
      expect(readFileSync(join(h.home, 'agents', agent, 'provider.json')).equals(bytes), `agents/${agent}/provider.json changed`).toBe(true);
    }

    // The new agent resumes what the old one put back, and finishes everything.
    const done = await waitFor(
      () => {
        const a = audit(h.home);
        return a.done.length === items.length && a.pending.length === 0 && a.inflight.length === 0 ? a : null;
      },
      { what: 'every item to be done', timeoutMs: 60_000 },
    );
    expect(problems(done, items)).toEqual([]);
    const versionsOf = (id: string) => new Set(done.steps.filter((s) => s.item === id).map((s) => s.version));
    const versionsSeen = new Set(done.steps.map((s) => s.version));
    expect([...versionsSeen].sort()).toEqual(['1.0.0', '1.1.0']);
    // At least one item was in flight across the upgrade: started by 1.0.0, resumed (not restarted) by 1.1.0.
    const spanning = items.filter((i) => versionsOf(i.id).size === 2);
    expect(spanning.length, 'no item was resumed across the upgrade').toBeGreaterThan(0);
    for (const { id } of spanning) {
      const steps = done.steps.filter((s) => s.item === id);
      const lastOld = Math.max(...steps.filter((s) => s.version === '1.0.0').map((s) => s.step));
      const firstNew = Math.min(...steps.filter((s) => s.version === '1.1.0').map((s) => s.step));
      expect(firstNew, `${id} must resume right after its last 1.0.0 step`).toBe(lastOld + 1);
    }
  });

  it('runs one of two upgrades requested at once and refuses the other, naming it', async () => {
    const h: Supervised = await world.supervisedHome();
    await startAt(world, h, '1.0.0');
    const [a, b] = await Promise.all([world.cli(['upgrade'], { home: h.home, env: h.env }), world.cli(['upgrade'], { home: h.home, env: h.env })]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${output(a)}\n${output(b)}`).toEqual([0, 1]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    expect(won.stdout).toMatch(/Upgraded 1\.0\.0 → 1\.1\.0; verified/);
    expect(lost.stderr).toMatch(/operation "upgrade" in progress since .* by pid \d+/);
    await expectRunningVerified(world, h, '1.1.0');
  });
});
