// The allowlist that services and dependencies' install scripts get (core/child-env.ts),
// on each platform's variable names: the end-to-end proof is in secrets.test.ts.
import { describe, expect, it } from 'vitest';
import { scrubbedEnv } from '../../main/core/child-env';

const USER_ENV = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  LANG: 'en_US.UTF-8',
  LC_ALL: 'C',
  TZ: 'Europe/Paris',
  TMPDIR: '/tmp',
  NPM_TOKEN: 'npm_x',
  GITHUB_TOKEN: 'ghp_x',
  ANTHROPIC_API_KEY: 'sk-x',
  NODE_OPTIONS: '--require /tmp/x.js',
  npm_config_registry: 'https://registry.npmjs.org/',
  HTTPS_PROXY: 'http://u:pw@proxy:3128/',
  ANIMA_RESTART_BASE_MS: '100',
};

describe('scrubbedEnv', () => {
  it('keeps the allowlist only, on Linux and macOS', () => {
    expect(scrubbedEnv(USER_ENV, 'linux')).toEqual({ PATH: '/usr/bin', HOME: '/home/u', LANG: 'en_US.UTF-8', LC_ALL: 'C', TZ: 'Europe/Paris', TMPDIR: '/tmp' });
    expect(scrubbedEnv(USER_ENV, 'darwin')).toEqual(scrubbedEnv(USER_ENV, 'linux'));
  });

  it('keeps the system variables a Windows process needs, whatever their case, and nothing secret', () => {
    const env = scrubbedEnv({ ...USER_ENV, Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', ComSpec: 'cmd.exe', USERPROFILE: 'C:\\Users\\u', APPDATA: 'C:\\Users\\u\\AppData\\Roaming', AZURE_CLIENT_SECRET: 'x' }, 'win32');
    expect(env).toMatchObject({ Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', ComSpec: 'cmd.exe', USERPROFILE: 'C:\\Users\\u', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' });
    expect(Object.keys(env).filter((k) => /TOKEN|KEY|SECRET|npm_|NODE_OPTIONS|PROXY|ANIMA_/i.test(k))).toEqual([]);
  });

  it('drops an allowed variable whose value carries credentials', () => {
    expect(scrubbedEnv({ PATH: '/usr/bin', HOME: 'http://u:pw@host/' }, 'linux')).toEqual({ PATH: '/usr/bin' });
  });
});
