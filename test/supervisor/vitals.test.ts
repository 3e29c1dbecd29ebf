// The services' vitals, sampled from the OS: what the status window draws.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectIfRunning } from '../../main/core/control-client';
import { layout } from '../../main/core/home';
import { VitalsSampler, readProcess } from '../../main/supervisor/vitals';
import { startWorld, type World } from '../helpers/world';
import { startAt } from '../upgrade/lib';

describe('sampling a real process', () => {
  it('reads CPU time and memory, and turns CPU time into a percentage between samples', async () => {
    // Busy for a while: its CPU use must show.
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end) {}']);
    try {
      await sleep(200);
      expect(readProcess(busy.pid!)).toMatchObject({ rssBytes: expect.any(Number) });
      let watching = false;
      const sampler = new VitalsSampler({ pids: () => ({ web: busy.pid!, agent: null }), agentLoad: () => ({ active: 0, queued: 0 }), watching: () => watching }, 100_000);
      sampler.sample();
      await sleep(600);
      sampler.sample();
      const v = sampler.snapshot();
      sampler.dispose();
      expect(v.samples).toHaveLength(2);
      expect(v.samples[0].web?.cpu).toBeNull(); // nothing to compare the first reading with
      // A busy loop on a shared, loaded machine: clearly above idle, whatever else runs.
      expect(v.samples[1].web?.cpu).toBeGreaterThan(5);
      expect(v.samples[1].web?.rssBytes).toBeGreaterThan(1024 * 1024);
      expect(v.samples[1].agent).toBeNull();
      expect(watching).toBe(false);
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('a process that is gone reads as nothing, not as zero', () => {
    expect(readProcess(2 ** 22 + 12345)).toBeNull();
  });
});

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

describe('vitals through the control protocol', () => {
  it('the supervisor answers with samples of both services and marks their starts', async () => {
    const h = await world.supervisedHome();
    await startAt(world, h, '1.0.0');
    const client = await connectIfRunning(layout(h.home));
    try {
      const v = await client!.request('vitals', {});
      expect(v.intervalMs).toBe(5000);
      expect(v.samples.length).toBeGreaterThan(0);
      const last = v.samples[v.samples.length - 1];
      expect(last.web?.rssBytes).toBeGreaterThan(1024 * 1024);
      expect(last.agent).toMatchObject({ active: 0, queued: 0 });
      // Web and agent start together: either may be up first.
      expect(v.marks.map((m) => `${m.service} ${m.kind}`).sort()).toEqual(['agent started', 'web started']);
    } finally {
      client?.close();
    }
  });
});
