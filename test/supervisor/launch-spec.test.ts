import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../main/core/context';
import { writeConfig, defaultConfig } from '../../main/core/config';
import { launchSpec } from '../../main/supervisor/launch-spec';

function runtimePackage(dir: string, version: string): void {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@meetquinn/animactl', version, anima: { contract: 1, services: { web: { main: 'dist/web.js' }, agent: { main: 'dist/agent.js' } } } }));
  writeFileSync(join(dir, 'dist', 'web.js'), '');
  writeFileSync(join(dir, 'dist', 'agent.js'), '');
}

describe('launchSpec (runtime contract §2)', () => {
  it('runs <node> <real version folder>/<main> in the home, with every contract variable', () => {
    const home = mkdtempSync(join(tmpdir(), 'anima-launch-'));
    runtimePackage(join(home, 'runtime', 'versions', '1.4.2'), '1.4.2');
    const ctx = createContext({ home }, { ANIMA_WEB_PORT: '4321' });
    const spec = launchSpec(ctx, 'agent', '1.4.2', {
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      LC_TIME: 'C',
      NOT_LISTED: 'no',
      NPM_TOKEN: 'npm-secret',
      GITHUB_TOKEN: 'gh-secret',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      OPENAI_API_KEY: 'sk-secret',
      NODE_OPTIONS: '--require /tmp/evil.js',
      npm_config_registry: 'http://alice:S3CRET@registry.example/',
      npm_config__auth: 'c2VjcmV0',
    });
    const dir = realpathSync(join(home, 'runtime', 'versions', '1.4.2'));
    expect(spec.command).toBe(process.execPath);
    expect(spec.args).toEqual([join(dir, 'dist', 'agent.js')]);
    expect(spec.cwd).toBe(ctx.home);
    expect(spec.logFile).toBe(join(ctx.home, 'logs', 'agent.log'));
    // Only the allowlist of the manager's environment, plus the contract's variables (§2).
    expect(Object.keys(spec.env).filter((k) => !k.startsWith('ANIMA_')).sort()).toEqual(['LANG', 'LC_TIME', 'PATH']);
    expect(JSON.stringify(spec.env)).not.toMatch(/secret|S3CRET|evil|c2VjcmV0/i);
    expect(spec.env).toMatchObject({
      PATH: '/usr/bin',
      ANIMA_HOME: ctx.home,
      ANIMA_ENV: 'stable',
      ANIMA_SERVICE: 'agent',
      ANIMA_RUNTIME_DIR: dir,
      ANIMA_RUNTIME_VERSION: '1.4.2',
      ANIMA_WEB_PORT: '4321',
      ANIMA_WEB_URL: 'http://127.0.0.1:4321',
      // The agent too may talk to the supervisor, not only web.
      ANIMA_CONTROL_SOCKET: join(ctx.home, 'run', 'control.sock'),
    });
  });

  it('refuses a version folder that leads outside the home (a link into a checkout)', () => {
    const home = mkdtempSync(join(tmpdir(), 'anima-launch-'));
    const checkout = mkdtempSync(join(tmpdir(), 'anima-checkout-'));
    runtimePackage(checkout, '1.4.2');
    mkdirSync(join(home, 'runtime', 'versions'), { recursive: true });
    symlinkSync(checkout, join(home, 'runtime', 'versions', '1.4.2'));
    expect(() => launchSpec(createContext({ home }, {}), 'web', '1.4.2', {})).toThrow(/outside .*: a stable home only runs versions installed in it/);
  });

  it('a development home runs its checkout in place and says so', () => {
    const home = mkdtempSync(join(tmpdir(), 'anima-launch-'));
    const checkout = mkdtempSync(join(tmpdir(), 'anima-checkout-'));
    runtimePackage(checkout, '2.0.0-dev');
    writeConfig(join(home, 'config.json'), { ...defaultConfig(), runtime: { ...defaultConfig().runtime, source: checkout } });
    const spec = launchSpec(createContext({ home }, {}), 'web', '2.0.0-dev', {});
    expect(spec.args).toEqual([join(realpathSync(checkout), 'dist', 'web.js')]);
    expect(spec.env).toMatchObject({ ANIMA_ENV: 'development', ANIMA_RUNTIME_DIR: realpathSync(checkout) });
  });
});
