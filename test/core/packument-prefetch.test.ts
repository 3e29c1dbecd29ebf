// Packuments fetched ahead of Arborist (main/core/packument-prefetch.ts). Alone, Arborist
// asks for a package's dependencies one after another (and fetches ahead at most CPU
// cores - 1 at a time), so a registry 60 ms away costs 60 ms per package in a row. With
// the prefetch, the dependencies of whatever Arborist has just resolved are asked for
// together, each packument once, and the tree installed is still the one Arborist decides.
// A real verdaccio behind a proxy that holds each package document back 60 ms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorld, type World } from '../helpers/world';
import { buildRuntimePackage } from '../helpers/fixtures';
import { startTamperingRegistry, type BadServer } from '../helpers/bad-registries';

const PKG = '@anima-fan/runtime';
const MIDS = 'abcdefgh'.split('').map((c) => `@anima-fan/mid-${c}`);
// Two leaves per mid, and the last leaf shared by every mid: it must still be asked for once.
const leavesOf = (i: number) => [`@anima-fan/leaf-${i}`, '@anima-fan/leaf-shared'];
const LATENCY_MS = 60;

let world: World;
let proxy: BadServer;
/** Package documents asked of the proxy, in order, and the most of the runtime's dependencies held back at one time. */
const asked: string[] = [];
let midsInFlight = 0;
let mostMids = 0;

async function publish(name: string, deps: Record<string, string> = {}): Promise<void> {
  const dir = join(world.tmp, 'fan-pkgs', name.replace(/[@/]/g, '_'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), `module.exports = ${JSON.stringify(name)};\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', license: 'MIT', main: 'index.js', dependencies: deps }, null, 2));
  await world.registry.publish(dir);
}

beforeAll(async () => {
  world = await startWorld({ standard: false });
  await publish('@anima-fan/leaf-shared');
  for (let i = 0; i < MIDS.length; i++) {
    await publish(leavesOf(i)[0]);
    await publish(MIDS[i], Object.fromEntries(leavesOf(i).map((l) => [l, '^1.0.0'])));
  }
  const moreDependencies = Object.fromEntries(MIDS.map((m) => [m, '^1.0.0']));
  await world.registry.publish(buildRuntimePackage(join(world.tmp, 'fan-runtime'), { name: PKG, version: '1.0.0', moreDependencies, shrinkwrap: false }));
  proxy = await startTamperingRegistry(world.registry.url, {
    before: async (url) => {
      if (url.includes('/-/')) return; // tarballs pass at once
      const name = decodeURIComponent(url.slice(1).split('?')[0]);
      asked.push(name);
      if (!MIDS.includes(name)) return sleep(LATENCY_MS);
      mostMids = Math.max(mostMids, ++midsInFlight);
      await sleep(LATENCY_MS);
      midsInFlight--;
    },
  });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await world?.close();
});

describe('packuments fetched ahead of Arborist', () => {
  it("asks for a package's dependencies together, each once, and installs the tree Arborist decides", async () => {
    const home = world.newHome();
    const env = { ANIMA_RUNTIME_PACKAGE: PKG, ANIMA_REGISTRY: proxy.url, npm_config_cache: join(world.tmp, 'cache-fan') };
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home, env });

    // Arborist alone asks for the runtime's dependencies one after another (an await per edge), whatever the machine.
    expect(mostMids).toBe(MIDS.length);
    // Each dependency's document once (the runtime's own is the CLI's to resolve and download, before Arborist).
    const expected = ['@anima-fixtures/tiny-dep', ...MIDS, ...MIDS.map((_, i) => leavesOf(i)[0]), '@anima-fan/leaf-shared'].sort();
    expect(asked.filter((n) => n !== PKG).sort()).toEqual(expected);

    const modules = join(home, 'runtime', 'versions', '1.0.0', 'node_modules');
    for (const name of expected.filter((n) => n.startsWith('@anima-fan/'))) {
      expect(JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version, name).toBe('1.0.0');
    }
  });
});
