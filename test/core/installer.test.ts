import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, BROKEN_VARIANTS, type World } from '../helpers/world';
import { startRegistry } from '../helpers/registry';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  // Each broken variant is its own package, so its dist-tags can't disturb the others.
  for (const pkg of BROKEN_VARIANTS) await world.publishRuntime({ name: `@anima-broken/${pkg}`, version: '1.0.0', pkg });
});
afterAll(() => world?.close());

function json<T = any>(s: string): T {
  return JSON.parse(s) as T;
}

function homeState(home: string) {
  const config = existsSync(join(home, 'config.json')) ? json(readFileSync(join(home, 'config.json'), 'utf8')) : null;
  let current: string | null = null;
  try {
    current = readlinkSync(join(home, 'runtime', 'current'));
  } catch {}
  const versions = existsSync(join(home, 'runtime', 'versions')) ? readdirSync(join(home, 'runtime', 'versions')).sort() : [];
  return { config, current, versions };
}

describe('runtime install from the real registry', () => {
  it('installs the stable version with its dependencies, pins it and points current at it', async () => {
    const home = world.newHome();
    const r = await world.cli(['runtime', 'install'], { home });
    expect(r.stderr + r.stdout).toContain('Installed and pinned @meetquinn/animactl@1.1.0');
    expect(r.code).toBe(0);
    const s = homeState(home);
    expect(s.config.runtime.version).toBe('1.1.0');
    expect(s.current).toBe(join('versions', '1.1.0'));
    const dir = join(home, 'runtime', 'versions', '1.1.0');
    // The shrinkwrap pins tiny-dep 1.0.0 although ^1.0.0 would allow the published 1.1.0.
    expect(json(readFileSync(join(dir, 'node_modules', '@anima-fixtures', 'tiny-dep', 'package.json'), 'utf8')).version).toBe('1.0.0');
    // Dev dependencies are never installed (they aren't even published), and the package's own files are untouched.
    expect(existsSync(join(dir, 'node_modules', '@anima-fixtures', 'dev-only-never-published'))).toBe(false);
    expect(json(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies).toBeDefined();
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(false);

    const status = await world.cli(['runtime', 'status', '--json'], { home });
    expect(status.code).toBe(0);
    expect(json(status.stdout)).toMatchObject({ package: '@meetquinn/animactl', registry: world.registry.url, channel: 'stable', current: '1.1.0', pinned: '1.1.0', installed: ['1.1.0'] });
  });

  it('installs an exact version, keeps the previous one for rollback and prunes older ones', async () => {
    const home = world.newHome();
    expect((await world.cli(['runtime', 'install', '--version', '1.0.0'], { home })).code).toBe(0);
    expect((await world.cli(['runtime', 'install', '--version', '1.1.0'], { home })).code).toBe(0);
    expect(homeState(home).versions).toEqual(['1.0.0', '1.1.0']);
    const canary = await world.cli(['runtime', 'install', '--version', '1.2.0-canary.1'], { home });
    expect(canary.code).toBe(0);
    // keepVersions = 2: the new pin and the one it replaced.
    expect(homeState(home).versions).toEqual(['1.1.0', '1.2.0-canary.1']);
    expect(homeState(home).config.runtime.version).toBe('1.2.0-canary.1');
  });

  it('never offers or installs a pre-release on stable; canary is an explicit opt-in', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home });
    const stable = await world.cli(['upgrade', '--check', '--json'], { home });
    expect(stable.code).toBe(0);
    expect(json(stable.stdout)).toMatchObject({ channel: 'stable', current: '1.0.0', target: '1.1.0', available: true });

    const canaryCheck = await world.cli(['config', 'set', 'channel', 'canary'], { home });
    expect(canaryCheck.code).toBe(0);
    expect(json((await world.cli(['upgrade', '--check', '--json'], { home })).stdout)).toMatchObject({ channel: 'canary', target: '1.2.0-canary.1', available: true });
    const install = await world.cli(['runtime', 'install'], { home });
    expect(install.code).toBe(0);
    expect(homeState(home).config.runtime.version).toBe('1.2.0-canary.1');

    // Back on stable, the older stable is offered only as an explicit downgrade.
    await world.cliOk(['config', 'set', 'channel', 'stable'], { home });
    expect(json((await world.cli(['upgrade', '--check', '--json'], { home })).stdout)).toMatchObject({ channel: 'stable', target: '1.1.0', available: false, downgrade: true });
  });

  it('does not install a pre-release on stable even when "latest" points at one', async () => {
    await world.publishRuntime({ name: '@anima-fixtures/mistagged', version: '1.0.0' });
    await world.publishRuntime({ name: '@anima-fixtures/mistagged', version: '2.0.0-beta.1' }, 'beta');
    await world.registry.distTag('@anima-fixtures/mistagged', 'latest', '2.0.0-beta.1');
    const home = world.newHome();
    const r = await world.cli(['runtime', 'install', '--package', '@anima-fixtures/mistagged'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pre-release 2\.0\.0-beta\.1.*never offers pre-releases/);
    expect(homeState(home).config).toBeNull();
  });

  for (const variant of BROKEN_VARIANTS) {
    it(`rejects the broken fixture "${variant}" with its own message and changes nothing`, async () => {
      const home = world.newHome();
      const pkg = `@anima-broken/${variant}`;
      // A working install of another package first: it must be left exactly as it was.
      await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home });
      const before = homeState(home);
      const r = await world.cli(['runtime', 'install', '--package', pkg, '--version', '1.0.0'], { home });
      expect(r.code).toBe(1);
      const expected: Record<string, RegExp> = {
        'no-anima-block': /"anima" is missing from package\.json/,
        'main-escapes': /"anima\.services\.web\.main" "\.\.\/\.\.\/outside\.js" escapes the package/,
        'main-absolute': /"anima\.services\.web\.main" "\/etc\/passwd" is an absolute path/,
        'main-missing': /"anima\.services\.web\.main" names "dist\/nope\.js", which does not exist/,
        'wrong-contract': /"anima\.contract" must be 1, found 2/,
        'engines-unsatisfiable': /needs Node >=99, but the services would run on Node \d+/,
        'bad-dependency': /Installing the dependencies of @anima-broken\/bad-dependency@1\.0\.0 failed.*does-not-exist/,
      };
      expect(r.stderr).toMatch(expected[variant]);
      expect(r.stderr).toContain(`${pkg}`);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(homeState(home)).toEqual(before);
    });
  }

  it('rejects a tarball whose integrity does not match and installs nothing', async () => {
    await world.publishRuntime({ name: '@anima-fixtures/tampered', version: '1.0.0' });
    await world.registry.corruptTarball('@anima-fixtures/tampered', '1.0.0');
    const home = world.newHome();
    const r = await world.cli(['runtime', 'install', '--package', '@anima-fixtures/tampered', '--version', '1.0.0'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match the integrity the registry published/);
    expect(homeState(home).versions).toEqual([]);
    expect(homeState(home).config).toBeNull();
  });

  it('reinstalls the pin from the download cache after runtime/ is deleted, with the registry gone', async () => {
    // Its own registry, so that it can be stopped: cache entries are keyed by registry URL.
    const own = await startRegistry();
    const pkgs = join(world.tmp, 'own-pkgs');
    await own.publish(buildTinyDep(pkgs, '1.0.0'));
    await own.publish(buildRuntimePackage(pkgs, { version: '1.0.0' }));
    const home = world.newHome();
    const env = { ANIMA_REGISTRY: own.url, npm_config_cache: join(world.tmp, 'cache-offline') };
    expect((await world.cli(['runtime', 'install', '--version', '1.0.0'], { home, env })).code).toBe(0);
    await own.close();
    rmSync(join(home, 'runtime'), { recursive: true, force: true });
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(homeState(home).current).toBe(join('versions', '1.0.0'));
    expect(existsSync(join(home, 'runtime', 'versions', '1.0.0', 'node_modules', '@anima-fixtures', 'tiny-dep'))).toBe(true);
  });

  it('refuses a version that is not semver with a usage error (exit 2)', async () => {
    const home = world.newHome();
    for (const bad of ['1.4', 'v1..2', '^1.0.0', '']) {
      const r = await world.cli(['runtime', 'install', '--version', bad], { home });
      expect(r.code, `${bad}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/semver|value/);
    }
    expect(existsSync(home)).toBe(false);
  });
});
