// Every way an upgrade target can be broken, each published as its own package
// (@anima-upgrade/<case>: 1.0.0 works, 1.1.0 is broken): `animactl upgrade` must fail
// (exit 1), say which check or step failed and what it did about it, and leave the
// home running and pinned to 1.0.0, verified.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import type { RuntimeFixtureOptions } from '../helpers/fixtures';
import { expectRunningVerified, output, pinAndCurrent, startAt, status, type Supervised } from './lib';

interface Case {
  name: string;
  broken: Omit<RuntimeFixtureOptions, 'name' | 'version'>;
  /** The failed check or step, as the CLI names it. */
  failure: RegExp;
  /** Failed while installing: nothing was stopped. Otherwise it rolled back. */
  installTime?: boolean;
  env?: NodeJS.ProcessEnv;
  corrupt?: boolean;
}

const CASES: Case[] = [
  // The never-healthy web is waited for up to ANIMA_WEB_START_TIMEOUT_MS: keep it short.
  { name: 'never-healthy', broken: { web: 'never-healthy' }, failure: /start-web: web 1\.1\.0 did not answer \/api\/health with 200/, env: { ANIMA_WEB_START_TIMEOUT_MS: '4000' } },
  { name: 'wrong-version', broken: { web: 'wrong-version' }, failure: /server-info: version is "1\.1\.0-wrong", expected "1\.1\.0"/ },
  { name: 'meta-mismatch', broken: { web: 'meta-mismatch' }, failure: /dashboard: serves 0\.0\.0-mismatch, expected 1\.1\.0/ },
  { name: 'web-crash-on-start', broken: { web: 'crash-on-start' }, failure: /start-web: web 1\.1\.0 exited while starting/ },
  { name: 'agent-crash-on-start', broken: { agent: 'crash-on-start' }, failure: /start-agent: agent 1\.1\.0 exited while starting/ },
  { name: 'deep-fail', broken: { web: 'deep-fail' }, failure: /deep-health:slack: token revoked/ },
  { name: 'bad-dependency', broken: { pkg: 'bad-dependency' }, failure: /EDEPENDENCIES.*dependencies of @anima-upgrade\/bad-dependency@1\.1\.0 failed.*does-not-exist/, installTime: true },
  { name: 'integrity', broken: {}, corrupt: true, failure: /EINTEGRITY.*does not match the integrity/, installTime: true },
];

let world: World;
beforeAll(async () => {
  world = await startWorld({ standard: false });
  for (const c of CASES) {
    const name = `@anima-upgrade/${c.name}`;
    await world.publishRuntime({ name, version: '1.0.0' });
    await world.publishRuntime({ name, version: '1.1.0', ...c.broken });
    if (c.corrupt) await world.registry.corruptTarball(name, '1.1.0');
  }
});
afterAll(() => world?.close());

describe('a broken upgrade target is rolled back', () => {
  for (const c of CASES) {
    it(`${c.name}: exits 1, names the failure, ${c.installTime ? 'stops nothing' : 'rolls back'}; 1.0.0 runs verified and stays pinned`, async () => {
      const pkg = `@anima-upgrade/${c.name}`;
      const h: Supervised = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: pkg, ...c.env });
      await startAt(world, h, '1.0.0');
      const before = await status(world, h);
      expect(before.runtime).toMatchObject({ package: pkg, version: '1.0.0' });

      const r = await world.cli(['upgrade'], { home: h.home, env: h.env });
      const all = r.stdout + r.stderr;
      expect(r.code, output(r)).toBe(1);
      expect(all).toMatch(c.failure);
      if (c.installTime) {
        expect(r.stdout).toMatch(/Upgrade to 1\.1\.0 failed while installing \(\w+\): .*Nothing was stopped; 1\.0\.0 keeps running \(verified\)/);
        // Truly nothing stopped: the very same processes still run.
        const after = await status(world, h);
        expect(after.services.web.pid).toBe(before.services.web.pid);
        expect(after.services.agent.pid).toBe(before.services.agent.pid);
      } else {
        expect(r.stdout).toMatch(/Upgrade to 1\.1\.0 failed: .*Rolled back to 1\.0\.0, which runs again \(verified\)/);
        expect(r.stdout).toMatch(new RegExp(`failed: ${c.failure.source}`));
      }
      await expectRunningVerified(world, h, '1.0.0');
      // The failed target is remembered with its reason, never retried by itself.
      const failed = JSON.parse(readFileSync(join(h.home, 'run', 'failed-upgrade.json'), 'utf8'));
      expect(failed.version).toBe('1.1.0');
      expect(pinAndCurrent(h.home).pin).toBe('1.0.0');
      // The failed version does not linger on disk past the rollback (keepVersions counts good ones).
      expect(readdirSync(join(h.home, 'runtime', 'versions')).filter((v) => !v.startsWith('.'))).toEqual(['1.0.0']);
    });
  }
});
