// Progress while dependencies install: packages done of the total Arborist plans, shown
// by the CLI (a line per update when not on a terminal) and sent as progress data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import { buildRuntimePackage } from '../helpers/fixtures';

const DEPS = 8;
let world: World;
beforeAll(async () => {
  world = await startWorld({ standard: false });
  const more: Record<string, string> = {};
  for (let i = 1; i <= DEPS; i++) {
    const dir = join(world.tmp, 'progress-deps', `dep-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@anima-progress/dep-${i}`, version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(dir, 'index.js'), `module.exports = ${i};\n`);
    await world.registry.publish(dir);
    more[`@anima-progress/dep-${i}`] = '^1.0.0';
  }
  await world.registry.publish(buildRuntimePackage(join(world.tmp, 'pkgs'), { version: '1.0.0', moreDependencies: more }));
});
afterAll(() => world?.close());

describe('installing dependencies', () => {
  it('reports packages done of the total, ending at all of them', async () => {
    const home = world.newHome();
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home });
    expect(r.code, r.stderr).toBe(0);
    const counts = [...r.stderr.matchAll(/^Installing the dependencies of 1\.0\.0: (\d+) of (\d+) packages$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    // The runtime's own tiny dependency plus ours.
    const total = DEPS + 1;
    expect(counts.length).toBeGreaterThan(1);
    expect(counts[0]).toEqual([0, total]);
    expect(counts[counts.length - 1]).toEqual([total, total]);
    for (let i = 1; i < counts.length; i++) expect(counts[i][0]).toBeGreaterThanOrEqual(counts[i - 1][0]);
  });
});
