// Settings as users meet them (issue 14.1, 14.2, 14.4, 14.7): what can be checked is
// checked when it is set, `config unset` goes back to the default, a config.json with two
// bad keys is repaired one key at a time (and never overwritten otherwise), `[]` clears a
// list, and `config get` says where a value comes from. The real CLI, as a child process.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRuntimePackage } from '../helpers/fixtures';
import { sandbox } from '../helpers/sandbox';

const box = sandbox('anima-settings-');
const { newHome, cli } = box;

const fileOf = (home: string) => join(home, 'config.json');
const saved = (home: string) => JSON.parse(readFileSync(fileOf(home), 'utf8'));

describe('config set checks what it can, when it is set', () => {
  it('runtime.source must be a runtime checkout: a typo or a package that is no runtime is refused (2), a real one stored absolute', async () => {
    const home = newHome({ channel: 'stable' });
    const before = readFileSync(fileOf(home), 'utf8');
    const typo = await cli(['config', 'set', 'runtime.source', join(box.tmp, 'x', 'anmia')], home);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toMatch(/"runtime\.source".*anmia/);
    const notRuntime = join(box.tmp, 'not-a-runtime');
    mkdirSync(notRuntime);
    writeFileSync(join(notRuntime, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
    const plain = await cli(['config', 'set', 'runtime.source', notRuntime], home);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/not a runtime checkout.*"anima" is missing/);
    expect(readFileSync(fileOf(home), 'utf8')).toBe(before);

    const checkout = buildRuntimePackage(join(box.tmp, 'checkouts'), { version: '2.0.0-dev' });
    const rel = join('checkouts', checkout.split('/checkouts/')[1]);
    const good = await cli(['config', 'set', 'runtime.source', rel], home);
    expect(good.code, good.stderr).toBe(0);
    expect(saved(home).runtime.source).toBe(checkout);
  });

  it('runtime.package must be a valid npm name; runtime.version not installed says the next start installs it', async () => {
    const home = newHome({});
    const bad = await cli(['config', 'set', 'runtime.package', 'Not A Package!'], home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"Not A Package!" is not a valid npm package name/);
    expect((await cli(['config', 'set', 'runtime.package', '@acme/anima-runtime'], home)).code).toBe(0);
    const pin = await cli(['config', 'set', 'runtime.version', '9.9.9'], home);
    expect(pin.code, pin.stderr).toBe(0);
    expect(pin.stderr).toMatch(/9\.9\.9 is not installed yet: the next start or restart installs it/);
  });

  it('config unset puts a setting back to its default', async () => {
    const home = newHome({ web: { port: 4300 }, channel: 'canary', keepMe: 1 });
    const r = await cli(['config', 'unset', 'web.port'], home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/web\.port unset \(back to its default: 4280\)/);
    expect(saved(home)).toMatchObject({ web: { port: 4280 }, channel: 'canary', keepMe: 1 });
    expect((await cli(['config', 'unset', 'channel'], home)).code).toBe(0);
    expect(saved(home).channel).toBe('stable');
    expect((await cli(['config', 'unset', 'nope'], home)).code).toBe(2);
    expect((await cli(['config', 'unset'], home)).code).toBe(2);
  });

  it('updates.skipped: `[]` and "" clear the list, a JSON array sets it', async () => {
    const home = newHome({ updates: { skipped: ['1.1.0'] } });
    expect((await cli(['config', 'set', 'updates.skipped', '[]'], home)).code).toBe(0);
    expect(saved(home).updates.skipped).toEqual([]);
    expect((await cli(['config', 'set', 'updates.skipped', '["1.2.0", "1.3.0"]'], home)).code).toBe(0);
    expect(saved(home).updates.skipped).toEqual(['1.2.0', '1.3.0']);
    expect((await cli(['config', 'set', 'updates.skipped', ''], home)).code).toBe(0);
    expect(saved(home).updates.skipped).toEqual([]);
    expect((await cli(['config', 'set', 'updates.skipped', '[1.2'], home)).code).toBe(2);
  });
});

describe('a config.json with two bad keys', () => {
  it('is repaired one key at a time, each fix writing only its own key; anything else is refused and the file left alone', async () => {
    const home = newHome({ web: { port: 'abc' }, drainTimeoutSeconds: -5, channel: 'stable', keepMe: { x: 1 } });
    const text = readFileSync(fileOf(home), 'utf8');
    const status = await cli(['runtime', 'status'], home);
    expect(status.code).toBe(1);
    // Both keys are named, each with its own fix.
    expect(status.stderr).toMatch(/"web\.port"/);
    expect(status.stderr).toMatch(/"drainTimeoutSeconds" is wrong too/);
    expect(status.stderr).toMatch(/config set web\.port VALUE.*config set drainTimeoutSeconds VALUE/);

    // A key that is fine is no repair: refused, untouched.
    const other = await cli(['config', 'set', 'channel', 'canary'], home);
    expect(other.code).toBe(1);
    expect(readFileSync(fileOf(home), 'utf8')).toBe(text);
    // A bad value for a bad key: a usage error, untouched.
    expect((await cli(['config', 'set', 'web.port', '0'], home)).code).toBe(2);
    expect(readFileSync(fileOf(home), 'utf8')).toBe(text);

    const first = await cli(['config', 'set', 'web.port', '4300'], home);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/still has another problem.*"drainTimeoutSeconds"/);
    // Only that change: the other bad value is still there as the user wrote it, nothing filled in.
    expect(saved(home)).toEqual({ web: { port: 4300 }, drainTimeoutSeconds: -5, channel: 'stable', keepMe: { x: 1 } });

    const second = await cli(['config', 'unset', 'drainTimeoutSeconds'], home);
    expect(second.code, second.stderr).toBe(0);
    expect(saved(home)).toMatchObject({ web: { port: 4300 }, drainTimeoutSeconds: 120, channel: 'stable', keepMe: { x: 1 } });
    expect((await cli(['runtime', 'status'], home)).code).toBe(0);
  });

  it('a section broken as a whole is repaired by one of its keys', async () => {
    const home = newHome({ web: 'abc', channel: 'beta' });
    const r = await cli(['config', 'set', 'web.port', '4300'], home);
    expect(r.code, r.stderr).toBe(0);
    expect(saved(home)).toEqual({ web: { port: 4300 }, channel: 'beta' });
    expect((await cli(['config', 'set', 'channel', 'stable'], home)).code).toBe(0);
    expect((await cli(['runtime', 'status'], home)).code).toBe(0);
  });

  it('a file that is not JSON is never rewritten by config set or unset', async () => {
    const text = '{"web": {"port": 4300},, "channel": "stable"}';
    const home = newHome(text);
    for (const args of [['config', 'set', 'web.port', '4301'], ['config', 'unset', 'web.port']]) {
      const r = await cli(args, home);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not valid JSON/);
    }
    expect(readFileSync(fileOf(home), 'utf8')).toBe(text);
  });
});

describe('config get says where a value comes from', () => {
  it('the environment beats config.json, and both are named; a value of config.json or the default says so', async () => {
    const home = newHome({ web: { port: 4300 }, runtime: { package: '@acme/runtime' } });
    const port = await cli(['config', 'get', 'web.port'], home, { ANIMA_WEB_PORT: '47900' });
    expect(port.code).toBe(0);
    expect(port.stdout.trim()).toBe('47900');
    expect(port.stderr).toMatch(/web\.port = 47900 \(from ANIMA_WEB_PORT; config\.json says 4300\)/);
    const pkg = await cli(['config', 'get', 'runtime.package', '--package', '@acme/other'], home, { ANIMA_RUNTIME_PACKAGE: '@acme/env' });
    expect(pkg.stdout.trim()).toBe('@acme/other');
    expect(pkg.stderr).toMatch(/from the --package flag; config\.json says @acme\/runtime/);
    const plain = await cli(['config', 'get', 'web.port'], home);
    expect(plain.stderr).toMatch(/web\.port = 4300 \(from config\.json\)/);
    const all = await cli(['config', 'get'], home, { ANIMA_WEB_PORT: '47900' });
    expect(all.stdout).toMatch(/^web\.port\s+47900\s+\(from ANIMA_WEB_PORT; config\.json says 4300\)$/m);
    expect(all.stdout).toMatch(/^channel\s+stable$/m);
  });
});
