// config.json: read, validated, never overwritten when broken; and `animactl config`,
// usage errors and --help as scripts see them (the real CLI, as a child process).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig, setConfigValue, updateConfig, writeConfig, defaultConfig, parseSettingValue } from '../../main/core/config';
import { DEFAULT_PACKAGE, DEFAULT_WEB_PORT } from '../../main/shared/defaults';
import { AnimaError } from '../../main/core/errors';
import { sandbox } from '../helpers/sandbox';

const box = sandbox('anima-config-');
const { newHome, cli } = box;

function configError(fn: () => unknown): AnimaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AnimaError);
    return e as AnimaError;
  }
  throw new Error('expected a config error');
}

const NO_STACK = /\n\s+at /;

describe('readConfig', () => {
  it('a missing file means the defaults, and nothing is created', () => {
    const home = newHome();
    const c = readConfig(join(home, 'config.json'));
    expect(c).toEqual(defaultConfig());
    expect(c).toMatchObject({ channel: 'stable', runtime: { package: DEFAULT_PACKAGE, keepVersions: 2 }, web: { port: DEFAULT_WEB_PORT }, updates: { skipped: [] } });
    expect(c.runtime.version).toBeUndefined();
    expect(existsSync(home)).toBe(false);
  });

  it('corrupt JSON is an error naming the file; the file is left byte for byte', () => {
    const text = '{"channel": "stable", "web": {"port": 4280}'; // cut short
    const file = join(newHome(text), 'config.json');
    const err = configError(() => readConfig(file));
    expect(err.code).toBe('ECONFIG');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.hint).toMatch(/will not overwrite/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('a value of the wrong type is an error naming the file, the key and the value found', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['{"web": {"port": "abc"}}', 'web.port', /"web\.port" .*number.*\(found "abc"\)/],
      ['{"web": {"port": 70000}}', 'web.port', /"web\.port" .*\(found 70000\)/],
      ['{"channel": "beta"}', 'channel', /"channel" .*\(found "beta"\)/],
      ['{"runtime": {"version": "1.4"}}', 'runtime.version', /"runtime\.version" must be an exact semver version.*\(found "1\.4"\)/],
      ['{"runtime": {"registry": "ftp://x"}}', 'runtime.registry', /"runtime\.registry" must be an http\(s\) URL/],
      ['{"updates": {"skipped": ["1.0.0", "nope"]}}', 'updates.skipped.1', /"updates\.skipped\.1" .*\(found "nope"\)/],
      ['{"drainTimeoutSeconds": -1}', 'drainTimeoutSeconds', /"drainTimeoutSeconds"/],
    ];
    for (const [text, key, message] of cases) {
      const file = join(newHome(text), 'config.json');
      const err = configError(() => readConfig(file));
      expect(err.code, text).toBe('ECONFIG');
      expect(err.message, text).toContain(file);
      expect(err.message, text).toMatch(message);
      expect(err.details, text).toMatchObject({ file, key });
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('JSON that is not an object is an error naming the file', () => {
    for (const text of ['[]', '42', 'null', '"x"']) {
      const file = join(newHome(text), 'config.json');
      const err = configError(() => readConfig(file));
      expect(err.message, text).toContain(file);
      expect(err.message, text).toMatch(/must hold a JSON object/);
    }
  });

  it('keys it does not know are kept, at the top level and inside sections, through every write', () => {
    const text = JSON.stringify({ channel: 'canary', fromTheFuture: { x: [1, 2] }, runtime: { mirror: 'eu' }, web: { port: 4300, tls: false } });
    const file = join(newHome(text), 'config.json');
    const c = readConfig(file) as Record<string, any>;
    expect(c.fromTheFuture).toEqual({ x: [1, 2] });
    expect(c.runtime.mirror).toBe('eu');
    expect(c.web).toEqual({ port: 4300, tls: false });
    writeConfig(file, c as any);
    updateConfig(file, (cfg) => void (cfg.drainTimeoutSeconds = 30));
    setConfigValue(file, 'web.port', 4301);
    const back = JSON.parse(readFileSync(file, 'utf8'));
    expect(back).toMatchObject({ channel: 'canary', fromTheFuture: { x: [1, 2] }, runtime: { mirror: 'eu' }, web: { port: 4301, tls: false }, drainTimeoutSeconds: 30 });
  });

  it('a change that fails validation never reaches the disk, and a broken file is never overwritten by one', () => {
    const good = JSON.stringify({ web: { port: 4300 } });
    const file = join(newHome(good), 'config.json');
    const bad = configError(() => updateConfig(file, (c) => void (c.web.port = 0)));
    expect(bad.exitCode).toBe(2);
    expect(bad.message).toMatch(/"web\.port"/);
    expect(readFileSync(file, 'utf8')).toBe(good);

    const corrupt = '{"web": ';
    const broken = join(newHome(corrupt), 'config.json');
    configError(() => updateConfig(broken, (c) => void (c.channel = 'canary')));
    configError(() => setConfigValue(broken, 'channel', 'canary'));
    expect(readFileSync(broken, 'utf8')).toBe(corrupt);
    // No temporary file left beside it either.
    expect(readdirSync(join(broken, '..'))).toEqual(['config.json']);
  });
});

describe('animactl config', () => {
  it('config get prints the defaults of a new home without creating it; set then get round-trips', async () => {
    const home = newHome();
    const all = await cli(['config', 'get'], home);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^channel\s+stable$/m);
    expect(all.stdout).toMatch(/^web\.port\s+4280$/m);
    expect(existsSync(home)).toBe(false);

    const set = await cli(['config', 'set', 'web.port', '4300'], home);
    expect(set.code, set.stderr).toBe(0);
    const get = await cli(['config', 'get', 'web.port'], home);
    expect(get.code).toBe(0);
    expect(get.stdout.trim()).toBe('4300');
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).web.port).toBe(4300);
    const asJson = await cli(['config', 'get', 'web.port', '--json'], home);
    expect(JSON.parse(asJson.stdout)).toBe(4300);
  });

  it('invalid values and unknown settings are usage errors (exit 2) that name the setting, and change nothing', async () => {
    const text = JSON.stringify({ web: { port: 4300 } });
    const home = newHome(text);
    const cases: Array<[string[], RegExp]> = [
      [['config', 'set', 'web.port', 'abc'], /"web\.port" must be a whole number, got "abc"/],
      [['config', 'set', 'web.port', '4300.5'], /"web\.port" must be a whole number/],
      [['config', 'set', 'web.port', '0'], /"web\.port"/],
      [['config', 'set', 'channel', 'beta'], /"channel"/],
      [['config', 'set', 'runtime.version', '1.4'], /"1\.4" is not an exact semver version/],
      [['config', 'set', 'runtime.registry', 'not a url'], /"runtime\.registry" must be an http\(s\) URL/],
      [['config', 'set', 'nope', '1'], /Unknown setting "nope"/],
      [['config', 'get', 'nope'], /Unknown setting "nope"/],
      [['config', 'set', 'web.port'], /needs KEY and VALUE/],
      [['config', 'set', 'web.port', '1', '2'], /Unexpected argument "2"/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args, home)));
    results.forEach((r, i) => {
      expect(r.code, `${cases[i][0].join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(cases[i][1]);
      expect(r.stderr).not.toMatch(NO_STACK);
    });
    expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(text);
  });

  it('a corrupt config.json: every command that needs the settings exits 1 naming the file, and its bytes are unchanged', async () => {
    const text = '{"channel": "stable",, }';
    const home = newHome(text);
    const file = join(home, 'config.json');
    // status needs no settings: it says what the files show, and what is wrong with config.json.
    const status = await cli(['status'], home);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toContain(file);
    expect(status.stderr).toMatch(/not valid JSON.*unknown until it is fixed/);
    const commands = [['runtime', 'status'], ['config', 'get'], ['config', 'set', 'web.port', '4300'], ['runtime', 'install', '--version', '1.0.0'], ['upgrade', '--check']];
    const results = await Promise.all(commands.map((args) => cli(args, home)));
    results.forEach((r, i) => {
      expect(r.code, `${commands[i].join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/not valid JSON/);
      expect(r.stderr).not.toMatch(NO_STACK);
    });
    expect(readFileSync(file, 'utf8')).toBe(text);
    // Nothing was installed or created beside it.
    expect(readdirSync(home)).toEqual(['config.json']);
  });

  it('a value of the wrong type: commands refuse naming the file and key; `config set` of that key repairs it, as the hint says', async () => {
    const text = JSON.stringify({ web: { port: 'abc' }, keepMe: true });
    const home = newHome(text);
    const file = join(home, 'config.json');
    const status = await cli(['runtime', 'status'], home);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(file);
    expect(status.stderr).toMatch(/"web\.port"/);
    expect(status.stderr).toMatch(/animactl config set web\.port VALUE/);
    expect(readFileSync(file, 'utf8')).toBe(text);

    // Another key does not repair it, and a bad value for the broken key is still a usage error.
    const other = await cli(['config', 'set', 'channel', 'canary'], home);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/"web\.port"/);
    const stillBad = await cli(['config', 'set', 'web.port', '0'], home);
    expect(stillBad.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(text);

    const fix = await cli(['config', 'set', 'web.port', '4300'], home);
    expect(fix.code, fix.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ web: { port: 4300 }, keepMe: true });
    expect((await cli(['runtime', 'status'], home)).code).toBe(0);
  });
});

describe('animactl usage', () => {
  it('--help on every command exits 0 and shows that command; no command at all is a usage error', async () => {
    const general = await cli(['--help'], newHome());
    expect(general.code).toBe(0);
    const section = general.stdout.split('Commands:\n')[1].split('\n\n')[0];
    const names = section.split('\n').map((l) => l.trim().split(/\s{2,}/)[0]);
    // The commands of spec/cli.md this build has must all be listed.
    for (const required of ['status', 'runtime status', 'runtime install', 'upgrade', 'config get', 'config set']) expect(names).toContain(required);
    const home = newHome();
    const results = await Promise.all(names.map((name) => cli([...name.split(' '), '--help'], home)));
    results.forEach((r, i) => {
      expect(r.code, `${names[i]} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`animactl ${names[i]}`);
      expect(r.stdout).toContain('--home');
    });
    // Asking for help starts, installs and creates nothing.
    expect(existsSync(home)).toBe(false);
    expect((await cli([], home)).code).toBe(2);
  });

  it('an unknown flag is a usage error (exit 2) on every command, and so is an unknown command', async () => {
    const general = await cli(['--help'], newHome());
    const names = general.stdout.split('Commands:\n')[1].split('\n\n')[0].split('\n').map((l) => l.trim().split(/\s{2,}/)[0]);
    const home = newHome();
    const results = await Promise.all(names.map((name) => cli([...name.split(' '), '--no-such-flag'], home)));
    results.forEach((r, i) => {
      expect(r.code, `${names[i]} --no-such-flag: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('--no-such-flag');
      expect(r.stderr).not.toMatch(NO_STACK);
    });
    const unknown = await cli(['frobnicate'], home);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
    expect(existsSync(home)).toBe(false);
  });

  it('a word beyond what a command takes is a usage error (exit 2) on every command, before anything runs', async () => {
    const general = await cli(['--help'], newHome());
    const names = general.stdout.split('Commands:\n')[1].split('\n\n')[0].split('\n').map((l) => l.trim().split(/\s{2,}/)[0]);
    const home = newHome();
    // No command takes three words (config set takes two: KEY VALUE).
    const results = await Promise.all(names.map((name) => cli([...name.split(' '), 'one', 'two', 'three'], home)));
    results.forEach((r, i) => {
      expect(r.code, `${names[i]} one two three: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/Unexpected argument "(one|two|three)"/);
      expect(r.stderr).not.toMatch(NO_STACK);
    });
    expect(existsSync(home)).toBe(false);
  });
});

describe('settings that would store a secret', () => {
  it('runtime.registry refuses a URL with user:password@ and says where credentials go', () => {
    expect(() => parseSettingValue('runtime.registry', 'http://alice:S3CRET@registry.example/')).toThrow(/must not carry credentials/);
    expect(parseSettingValue('runtime.registry', 'http://registry.example/')).toBe('http://registry.example/');
  });
});
