// A runtime published in a private scope (`@acme:registry` + a token in ~/.npmrc, as a
// company publishes one) with public dependencies, installed exactly as `npm install`
// would: each package from its own registry, the token sent to the private registry only,
// a platform-specific native binary chosen among optional dependencies (esbuild's
// pattern), and a dependency's install script run, with the scrubbed environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/world';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';
import { unusedPortUrl } from '../helpers/bad-registries';

const RUNTIME = '@acme/runtime';
const SCRIPT_DEP = 'anima-fixture-install-script';
const NATIVE = '@anima-fixtures/native';
const HERE = `${process.platform}-${process.arch}`;
const ELSEWHERE = process.platform === 'win32' ? 'linux-x64' : 'win32-x64';
const SECRETS = { NPM_TOKEN: 'npm-token-SECRET-1', GITHUB_TOKEN: 'ghp-SECRET-2', OPENAI_API_KEY: 'sk-SECRET-3' };

let tmp: string;
let priv: TestRegistry;
let pub: TestRegistry;
let token: string;
let n = 0;

function writePkg(dir: string, pkg: Record<string, unknown>, files: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ license: 'MIT', ...pkg }, null, 2));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

/** esbuild's pattern: a wrapper whose optional dependencies are one binary package per platform, each declaring os and cpu. */
async function publishNative(reg: TestRegistry): Promise<void> {
  for (const p of [HERE, ELSEWHERE]) {
    const [os, cpu] = p.split('-');
    await reg.publish(writePkg(join(tmp, 'pkgs', `native-${p}`), { name: `${NATIVE}-${p}`, version: '1.0.0', os: [os], cpu: [cpu], files: ['bin'] }, { bin: `native binary for ${p}\n` }));
  }
  const optionalDependencies = Object.fromEntries([HERE, ELSEWHERE].map((p) => [`${NATIVE}-${p}`, '1.0.0']));
  await reg.publish(writePkg(join(tmp, 'pkgs', 'native'), { name: NATIVE, version: '1.0.0', optionalDependencies, main: 'index.js' }, { 'index.js': "module.exports = 'native';\n" }));
}

/** A dependency whose install script must run; it records that it ran and the environment it saw. */
async function publishScriptDep(reg: TestRegistry): Promise<void> {
  const script = "require('fs').writeFileSync('ran-install.json', JSON.stringify({ env: process.env }));\n";
  await reg.publish(writePkg(join(tmp, 'pkgs', 'script-dep'), { name: SCRIPT_DEP, version: '1.0.0', scripts: { install: 'node install.js' }, files: ['install.js'] }, { 'install.js': script }));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'anima-scoped-'));
  [priv, pub] = await Promise.all([startRegistry({ privateScopes: ['@acme'] }), startRegistry()]);
  token = await priv.addUser('ci', 'correct-horse-battery');
  const pkgs = join(tmp, 'pkgs');
  await pub.publish(buildTinyDep(pkgs, '1.0.0'));
  await publishNative(pub);
  await publishScriptDep(pub);
  const moreDependencies = { [SCRIPT_DEP]: '^1.0.0', [NATIVE]: '^1.0.0' };
  await priv.publish(buildRuntimePackage(pkgs, { name: RUNTIME, version: '1.0.0', moreDependencies }), { token });
  // The same scope on the public registry too, for --registry / ANIMA_REGISTRY.
  await pub.publish(buildRuntimePackage(pkgs, { name: RUNTIME, version: '2.0.0', moreDependencies }));
  priv.requests.length = 0;
  pub.requests.length = 0;
});
afterAll(async () => {
  await Promise.all([priv?.close(), pub?.close()]);
  rmSync(tmp, { recursive: true, force: true });
});

/** A user whose ~/.npmrc holds these lines, running the real CLI with secrets in its environment. */
function cliAs(npmrc: string[], args: string[], env: NodeJS.ProcessEnv = {}) {
  const user = join(tmp, `user-${++n}`);
  mkdirSync(user);
  writeFileSync(join(user, '.npmrc'), npmrc.join('\n') + '\n');
  const home = join(tmp, `home-${n}`);
  const r = runCli(args, {
    env: { PATH: process.env.PATH, HOME: user, ANIMA_HOME: home, npm_config_cache: join(tmp, `cache-${n}`), npm_config_update_notifier: 'false', ...SECRETS, ...env },
  });
  return r.then((res) => ({ ...res, home, dir: join(home, 'runtime', 'versions') }));
}

const nerf = (url: string) => url.replace(/^https?:/, '');

describe('a runtime in a private scope with public dependencies', () => {
  it('installs each package from its own registry, sends the token only to the private one, picks the native binary, runs install scripts', async () => {
    const r = await cliAs([`registry=${pub.url}`, `@acme:registry=${priv.url}`, `${nerf(priv.url)}:_authToken=${token}`], ['runtime', 'install', '--package', RUNTIME]);
    expect(r.code, r.stderr).toBe(0);
    const v = join(r.dir, '1.0.0');
    expect(existsSync(join(v, 'node_modules', '@anima-fixtures', 'tiny-dep', 'index.js'))).toBe(true);
    expect(existsSync(join(v, 'node_modules', '@anima-fixtures', `native-${HERE}`, 'bin'))).toBe(true);
    expect(existsSync(join(v, 'node_modules', '@anima-fixtures', `native-${ELSEWHERE}`))).toBe(false);

    // The install script ran, as `npm install` runs it, and saw none of the user's secrets.
    const ran = JSON.parse(readFileSync(join(v, 'node_modules', SCRIPT_DEP, 'ran-install.json'), 'utf8')) as { env: Record<string, string> };
    const seen = JSON.stringify(ran.env);
    for (const s of [...Object.values(SECRETS), token]) expect(seen).not.toContain(s);
    expect(Object.keys(ran.env).filter((k) => /TOKEN|_KEY$|^npm_config_(?!node_gyp$)/i.test(k))).toEqual([]);

    // The private registry saw the token on every request and only @acme packages; the public one never saw a credential.
    expect(priv.requests.length).toBeGreaterThan(0);
    for (const q of priv.requests) {
      expect(q.authorization, q.url).toBe(`Bearer ${token}`);
      expect(decodeURIComponent(q.url), q.url).toMatch(/^\/@acme\//);
    }
    expect(pub.requests.length).toBeGreaterThan(0);
    expect(pub.requests.filter((q) => q.authorization)).toEqual([]);

    // The install record names the runtime's registry.
    expect(JSON.parse(readFileSync(join(v, '.anima-install.json'), 'utf8'))).toMatchObject({ package: RUNTIME, version: '1.0.0', registry: priv.url });
  });

  it('honours ignore-scripts=true from the npm config', async () => {
    const r = await cliAs([`registry=${pub.url}`, `@acme:registry=${priv.url}`, `${nerf(priv.url)}:_authToken=${token}`, 'ignore-scripts=true'], ['runtime', 'install', '--package', RUNTIME]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(r.dir, '1.0.0', 'node_modules', SCRIPT_DEP, 'install.js'))).toBe(true);
    expect(existsSync(join(r.dir, '1.0.0', 'node_modules', SCRIPT_DEP, 'ran-install.json'))).toBe(false);
  });

  it('--registry / ANIMA_REGISTRY name the runtime registry and replace npm\'s default for its dependencies', async () => {
    const dead = await unusedPortUrl();
    priv.requests.length = 0;
    pub.requests.length = 0;
    // npm's default registry is down: every package must come from the one ANIMA_REGISTRY names.
    const viaEnv = await cliAs([`registry=${dead}`, `${nerf(priv.url)}:_authToken=${token}`], ['runtime', 'install', '--package', RUNTIME, '--version', '2.0.0'], { ANIMA_REGISTRY: pub.url });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const viaFlag = await cliAs([`registry=${dead}`, `${nerf(priv.url)}:_authToken=${token}`], ['runtime', 'install', '--package', RUNTIME, '--version', '2.0.0', '--registry', pub.url]);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    for (const r of [viaEnv, viaFlag]) expect(existsSync(join(r.dir, '2.0.0', 'node_modules', '@anima-fixtures', `native-${HERE}`, 'bin'))).toBe(true);
    // A token for the private registry is never sent to another.
    expect(priv.requests).toEqual([]);
    expect(pub.requests.filter((q) => q.authorization)).toEqual([]);
  });
});
