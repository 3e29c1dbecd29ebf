// The edges of the commands (issue 14.4, 14.9, 14.10): exit codes and JSON as
// spec/cli.md says on every path, messages that read right, flags that help. A real
// registry; no command here needs a supervisor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import { json, output } from '../upgrade/lib';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

const DEAD_REGISTRY = { ANIMA_REGISTRY: 'http://127.0.0.1:9/' };

describe('flags', () => {
  it('an unknown flag names itself in closed quotes and the flag that was probably meant', async () => {
    const r = await world.cli(['start', '--no-browsr'], { home: world.newHome() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option "--no-browsr" \(did you mean --no-browser\?\)/);
    const far = await world.cli(['status', '--zzzzzz'], { home: world.newHome() });
    expect(far.stderr).toMatch(/Unknown option "--zzzzzz"$/m);
  });

  it('--help shows the defaults that would be used: ANIMA_RUNTIME_PACKAGE, ANIMA_HOME', async () => {
    const home = world.newHome();
    const r = await world.cli(['upgrade', '--help'], { home, env: { ANIMA_RUNTIME_PACKAGE: '@acme/runtime' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--package NAME\s+the runtime package \(default: @acme\/runtime, from ANIMA_RUNTIME_PACKAGE\)/);
    expect(r.stdout).toContain(`(default: ${home}, from ANIMA_HOME)`);
    expect(r.stdout).toMatch(/--skip/);
    expect(r.stdout).toMatch(/--dev CHECKOUT/);
  });

  it('--home=~/foo is under the home directory, not a folder named ~', async () => {
    const r = await world.cli(['config', 'set', 'channel', 'canary', '--home=~/foo'], { cwd: world.tmp });
    expect(r.code, output(r)).toBe(0);
    expect(existsSync(join(world.env.HOME!, 'foo', 'config.json'))).toBe(true);
    expect(existsSync(join(world.tmp, '~'))).toBe(false);
  });
});

describe('logs', () => {
  it('two names or an unknown one are usage errors; a home that does not exist says so', async () => {
    const home = world.newHome();
    const two = await world.cli(['logs', 'web', 'agent'], { home });
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/Unexpected argument "agent"/);
    const unknown = await world.cli(['logs', 'webb'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown log "webb"/);
    const none = await world.cli(['logs', 'web'], { home });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(new RegExp(`There is no Anima home at ${home}`));
  });
});

describe('exit codes and JSON', () => {
  it('verify --json on a stopped home prints JSON with an error object', async () => {
    const r = await world.cli(['verify', '--json'], { home: world.newHome() });
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({ ok: false, version: null, error: { code: 'ENOTRUNNING', message: expect.stringMatching(/nothing to verify/) } });
  });

  it('upgrade --check exits 1 when the registry could not be asked, and --json still prints the shape with an error', async () => {
    const home = world.newHome();
    const r = await world.cli(['upgrade', '--check', '--json'], { home, env: DEAD_REGISTRY });
    expect(r.code).toBe(1);
    const body = json(r.stdout);
    expect(body).toMatchObject({ channel: 'stable', target: null, available: false, error: { code: expect.any(String), message: expect.stringMatching(/could not be reached/) } });
    const text = await world.cli(['upgrade', '--check'], { home, env: DEAD_REGISTRY });
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
  });

  it('any failure of a --json command is JSON on stdout, usage errors included', async () => {
    const home = world.newHome();
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.json'), '{"channel": "stable",, }');
    const broken = await world.cli(['runtime', 'status', '--json'], { home });
    expect(broken.code).toBe(1);
    expect(json(broken.stdout).error).toMatchObject({ code: 'ECONFIG', message: expect.stringMatching(/not valid JSON/) });
    const usage = await world.cli(['restart', '--json', '--version', '1.4'], { home: world.newHome() });
    expect(usage.code).toBe(2);
    expect(json(usage.stdout).error).toMatchObject({ code: 'EUSAGE' });
  });

  it('start, stop and restart take --json on every path: stop of a stopped home prints JSON', async () => {
    const r = await world.cli(['stop', '--json'], { home: world.newHome() });
    expect(r.code, output(r)).toBe(0);
    expect(json(r.stdout)).toMatchObject({ operation: 'stop', ok: true });
    for (const cmd of ['start', 'restart']) {
      const help = await world.cli([cmd, '--help'], { home: world.newHome() });
      expect(help.stdout).toMatch(/--json/);
    }
  });

  it('a version that is neither semver nor a tag is a usage error (2); an unknown tag says it was looked up as one', async () => {
    for (const args of [['restart', '--version', '1.4'], ['start', '--version', 'v1..2', '--no-browser'], ['runtime', 'install', '--version', '^1.0.0'], ['upgrade', '--skip', 'latest']]) {
      const r = await world.cli(args, { home: world.newHome() });
      expect(r.code, `${args.join(' ')}\n${output(r)}`).toBe(2);
    }
    const tag = await world.cli(['runtime', 'install', '--version', 'nosuchtag'], { home: world.newHome() });
    expect(tag.code).toBe(1);
    expect(tag.stderr).toMatch(/no version or dist-tag "nosuchtag"/);
  });
});

describe('skipping a version', () => {
  it('upgrade --skip skips the offered version (or V); --unskip offers it again (all without V)', async () => {
    const home = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { home });
    const skip = await world.cliOk(['upgrade', '--skip'], { home });
    expect(skip.stdout).toMatch(/Skipping 1\.1\.0/);
    expect(json((await world.cliOk(['upgrade', '--check', '--json'], { home })).stdout)).toMatchObject({ target: '1.1.0', available: false, skipped: true });
    expect((await world.cliOk(['upgrade', '--check'], { home })).stdout).toMatch(/1\.1\.0 is available but you chose to skip it \(`animactl upgrade --unskip 1\.1\.0`/);
    await world.cliOk(['upgrade', '--skip', '1.2.0-canary.1'], { home });
    expect(json((await world.cliOk(['config', 'get', 'updates.skipped', '--json'], { home })).stdout)).toEqual(['1.1.0', '1.2.0-canary.1']);

    expect((await world.cli(['upgrade', '--unskip', '9.9.9'], { home })).code).toBe(2);
    await world.cliOk(['upgrade', '--unskip', '1.2.0-canary.1'], { home });
    expect(json((await world.cliOk(['config', 'get', 'updates.skipped', '--json'], { home })).stdout)).toEqual(['1.1.0']);
    await world.cliOk(['upgrade', '--skip', '1.0.5'], { home });
    const all = await world.cliOk(['upgrade', '--unskip'], { home });
    expect(all.stdout).toMatch(/Offered again: 1\.1\.0, 1\.0\.5/);
    expect(json((await world.cliOk(['upgrade', '--check', '--json'], { home })).stdout)).toMatchObject({ target: '1.1.0', available: true });
    expect((await world.cli(['upgrade', '--skip', '--unskip'], { home })).code).toBe(2);
    expect((await world.cli(['upgrade', '1.1.0'], { home })).code).toBe(2);
  });
});

describe('cancel', () => {
  it('with nothing running, there is nothing to cancel (exit 0)', async () => {
    const r = await world.cli(['cancel'], { home: world.newHome() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Nothing to cancel/);
  });
});
