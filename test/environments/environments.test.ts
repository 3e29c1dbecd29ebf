import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, killHome, type World } from '../helpers/world';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';
import { unusedPortUrl } from '../helpers/bad-registries';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

async function page(url: string): Promise<string> {
  return (await fetch(url)).text();
}

/** A source checkout of the runtime, as a developer has it: package + node_modules, run in place. */
function makeCheckout(): string {
  const dir = buildRuntimePackage(join(world.tmp, 'checkouts'), { version: '2.0.0-dev' });
  const dep = buildTinyDep(join(world.tmp, 'checkout-deps'), '1.0.0');
  mkdirSync(join(dir, 'node_modules', '@anima-fixtures'), { recursive: true });
  cpSync(dep, join(dir, 'node_modules', '@anima-fixtures', 'tiny-dep'), { recursive: true });
  return dir;
}

/** Every file a process has open, and its working directory. */
function filesOf(pid: number): string[] {
  const out = [readlinkSync(`/proc/${pid}/cwd`)];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {}
  }
  return out.filter((p) => p.startsWith('/'));
}

describe('environments', () => {
  it('a rebuilt checkout never changes what a stable home serves; a development home runs it in place', async () => {
    const checkout = makeCheckout();
    const stable = await world.supervisedHome();
    const devPort = (await world.supervisedHome()).port;
    const devHome = join(checkout, '.anima-dev');
    const devEnv = { ...stable.env, ANIMA_HOME: '', ANIMA_WEB_PORT: String(devPort) };
    try {
      expect((await world.cli(['start', '--no-browser'], { home: stable.home, env: stable.env })).code).toBe(0);
      const dev = await world.cli(['start', '--no-browser', '--dev', checkout], { env: devEnv });
      expect(dev.code, dev.stderr).toBe(0);
      const devInfo = JSON.parse(await page(`http://127.0.0.1:${devPort}/api/server-info`));
      expect(devInfo).toMatchObject({ environment: 'development', home: devHome, version: '2.0.0-dev' });
      const devStatus = JSON.parse((await world.cli(['status', '--json', '--home', devHome], { env: devEnv })).stdout);
      expect(devStatus.environment).toBe('development');

      const stableUrl = `http://127.0.0.1:${stable.port}/`;
      // The page minus its clock (uptime ticks between two loads): the code is what is compared.
      const code = async (url: string) => (await page(url)).replace(/<tr><th>Uptime<\/th><td>[^<]*<\/td><\/tr>/, '');
      const before = await code(stableUrl);
      // "Rebuild" the checkout: its dashboard now says something else.
      const dashboard = join(checkout, 'lib', 'dashboard.js');
      writeFileSync(dashboard, readFileSync(dashboard, 'utf8').replace('<body>', '<body><p id="rebuilt">REBUILT CHECKOUT</p>'));
      expect(await code(stableUrl)).toBe(before);
      expect((await world.cli(['restart'], { home: stable.home, env: stable.env })).code).toBe(0);
      expect(await page(stableUrl)).not.toContain('REBUILT CHECKOUT');
      // The development home does pick the change up on its restart.
      expect((await world.cli(['restart', '--home', devHome], { env: devEnv })).code).toBe(0);
      expect(await page(`http://127.0.0.1:${devPort}/`)).toContain('REBUILT CHECKOUT');

      // Two homes at once: each home's processes hold files of their own home only (and their code).
      const sStatus = JSON.parse((await world.cli(['status', '--json'], { home: stable.home, env: stable.env })).stdout);
      const dStatus = JSON.parse((await world.cli(['status', '--json', '--home', devHome], { env: devEnv })).stdout);
      const stableFiles = [sStatus.supervisor.pid, sStatus.services.web.pid, sStatus.services.agent.pid].flatMap(filesOf);
      const devFiles = [dStatus.supervisor.pid, dStatus.services.web.pid, dStatus.services.agent.pid].flatMap(filesOf);
      expect(stableFiles.filter((f) => f.startsWith(checkout))).toEqual([]);
      expect(devFiles.filter((f) => f.startsWith(stable.home))).toEqual([]);
      expect(stableFiles.some((f) => f.startsWith(join(stable.home, 'logs')))).toBe(true);
      expect(devFiles.some((f) => f.startsWith(join(devHome, 'logs')))).toBe(true);
      expect(sStatus.supervisor.pid).not.toBe(dStatus.supervisor.pid);
    } finally {
      await world.cli(['stop'], { home: stable.home, env: stable.env });
      await world.cli(['stop', '--home', devHome], { env: devEnv });
      killHome(devHome);
    }
  });

  it('a stable home refuses a current link that points into a checkout, with the fix in the message', async () => {
    const checkout = makeCheckout();
    const { home, env } = await world.supervisedHome();
    expect((await world.cli(['runtime', 'install'], { home, env })).code).toBe(0);
    rmSync(join(home, 'runtime', 'current'));
    symlinkSync(checkout, join(home, 'runtime', 'current'));
    const r = await world.cli(['start', '--no-browser'], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`points at ${checkout}, outside ${join(home, 'runtime', 'versions')}`);
    expect(r.stderr).toMatch(/Remove the link/);
    expect(JSON.parse((await world.cli(['status', '--json'], { home, env })).stdout).services.web.state).toBe('stopped');
    // --dev refuses to turn a pinned stable home into a development one.
    const dev = await world.cli(['start', '--no-browser', '--dev', checkout, '--home', home], { env });
    expect(dev.code).toBe(1);
    expect(dev.stderr).toMatch(/is a stable home pinned to 1\.1\.0; it can't run a checkout/);
    await world.cli(['stop'], { home, env });
  });

  it('with ANIMA_HOME unset, a checkout with .anima-dev still manages ~/.anima', async () => {
    const checkout = makeCheckout();
    mkdirSync(join(checkout, '.anima-dev'), { recursive: true });
    const userHome = join(world.tmp, 'user-home-env');
    mkdirSync(userHome, { recursive: true });
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { cwd: checkout, env: { HOME: userHome, ANIMA_HOME: undefined } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(userHome, '.anima', 'runtime', 'versions', '1.0.0'))).toBe(true);
    expect(readdirSync(join(checkout, '.anima-dev'))).toEqual([]);
  });
});

describe('first run', () => {
  it('creates the home, says what it installs, and starts', async () => {
    const { home, env } = await world.supervisedHome();
    const r = await world.cli(['start', '--no-browser'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`First run: setting up ${home} with @meetquinn/animactl from the stable channel`));
    expect(r.stderr).toMatch(/Installing @meetquinn\/animactl@1\.1\.0 \(stable\) from http:\/\/127\.0\.0\.1/);
    await world.cli(['stop'], { home, env });
  });

  it('package not found: names the package, the registry and where it was set; leaves no half-made home', async () => {
    const { home, env } = await world.supervisedHome({ ANIMA_RUNTIME_PACKAGE: '@meetquinn/no-such-runtime' });
    const r = await world.cli(['start', '--no-browser'], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The package @meetquinn/no-such-runtime was not found on the registry ${world.registry.url}`);
    expect(r.stderr).toMatch(/ANIMA_REGISTRY environment variable/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(home)).toBe(false);
  });

  it('registry unreachable: says so, with the URL and the npm config file that set it; leaves no half-made home', async () => {
    const { home, env } = await world.supervisedHome();
    const url = await unusedPortUrl();
    // The registry comes from the user's .npmrc this time, so the message must name that file.
    const npmrc = join(world.tmp, 'user', '.npmrc');
    writeFileSync(npmrc, `registry=${url}\n`);
    try {
      const r = await world.cli(['start', '--no-browser'], { home, env: { ...env, ANIMA_REGISTRY: '' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`The registry ${url} could not be reached`);
      expect(r.stderr).toContain(npmrc);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(home)).toBe(false);
    } finally {
      rmSync(npmrc);
    }
  });
});
