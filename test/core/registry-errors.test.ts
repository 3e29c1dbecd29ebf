// Registries that fail: down, hanging, garbage, HTTP 500, 404. `runtime install` and
// `upgrade --check` must say which registry and what went wrong, exit 1 with no stack
// trace, and leave the home as it was. And an update check never passes a cached
// answer off as current: with the registry gone it fails, and says when it last worked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/world';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';
import { startGarbageRegistry, startHangingRegistry, startStatusRegistry, unusedPortUrl, type BadServer } from '../helpers/bad-registries';

// A hanging registry is reported after this long (twice: one retry), not after the 30 s default.
const TIMEOUT_MS = 500;

let tmp: string;
let registry: TestRegistry;
let registryOpen = false;
let n = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'anima-regerr-'));
  mkdirSync(join(tmp, 'user'));
  registry = await startRegistry();
  registryOpen = true;
  const pkgs = join(tmp, 'pkgs');
  await registry.publish(buildTinyDep(pkgs, '1.0.0'));
  await registry.publish(buildRuntimePackage(pkgs, { version: '1.0.0' }));
  await registry.publish(buildRuntimePackage(pkgs, { version: '1.1.0' }));
});
afterAll(async () => {
  if (registryOpen) await registry.close();
  rmSync(tmp, { recursive: true, force: true });
});

function newHome(): string {
  return join(tmp, `home-${++n}`);
}

/** The real CLI against `registryUrl`, with its own npm cache unless one is given (cache entries must not leak between cases). */
function cli(args: string[], home: string, registryUrl: string, cache = join(tmp, `cache-${++n}`)): Promise<CliResult> {
  return runCli(args, {
    env: {
        PATH: process.env.PATH,
        HOME: join(tmp, 'user'),
        ANIMA_HOME: home,
        ANIMA_REGISTRY: registryUrl,
        ANIMA_REGISTRY_TIMEOUT_MS: String(TIMEOUT_MS),
        npm_config_cache: cache,
        npm_config_update_notifier: 'false',
    },
  });
}

function versionsIn(home: string): string[] {
  const dir = join(home, 'runtime', 'versions');
  return existsSync(dir) ? readdirSync(dir) : [];
}

const NO_STACK = /\n\s+at /;

interface Case {
  name: string;
  start(): Promise<BadServer | { url: string; close?: undefined }>;
  /** What the message must say went wrong. */
  expect: RegExp;
  /** Extra arguments (another package on the real registry). */
  args?: string[];
}

const cases: Case[] = [
  { name: 'registry down (nothing listens)', start: async () => ({ url: await unusedPortUrl() }), expect: /could not be reached \(ECONNREFUSED/ },
  { name: 'registry hanging (never answers)', start: startHangingRegistry, expect: /could not be reached \(.*timeout/ },
  { name: 'registry answering garbage', start: startGarbageRegistry, expect: /answered with something that is not a package document/ },
  { name: 'registry answering HTTP 500', start: () => startStatusRegistry(500), expect: /answered HTTP 500 for @meetquinn\/animactl/ },
  { name: 'registry answering 404', start: () => startStatusRegistry(404), expect: /The package @meetquinn\/animactl was not found on the registry/ },
  {
    name: 'package not found on the real registry',
    start: async () => ({ url: registry.url }),
    expect: /The package @anima-fixtures\/never-published was not found on the registry/,
    args: ['--package', '@anima-fixtures/never-published'],
  },
];

describe('registry failures', () => {
  for (const c of cases) {
    it(`${c.name}: runtime install and upgrade --check exit 1, name the registry and the problem, change nothing`, async () => {
      const server = await c.start();
      try {
        const runs = [
          ['runtime', 'install'],
          ['runtime', 'install', '--version', '1.1.0'],
          ['upgrade', '--check', '--json'],
        ].map((args) => ({ args: [...args, ...(c.args ?? [])], home: newHome() }));
        const results = await Promise.all(runs.map((r) => cli(r.args, r.home, server.url)));
        results.forEach((r, i) => {
          const what = `${runs[i].args.join(' ')}: ${r.stderr}`;
          expect(r.code, what).toBe(1);
          expect(r.stderr, what).toContain(server.url);
          expect(r.stderr, what).toMatch(c.expect);
          expect(r.stderr, what).not.toMatch(NO_STACK);
          expect(r.stderr, what).not.toMatch(/unexpected failure/);
          // spec/cli.md: with --json, a failure is JSON on stdout too, with an error object; without it, nothing.
          if (runs[i].args.includes('--json')) expect(JSON.parse(r.stdout), what).toMatchObject({ target: null, available: false, error: { code: expect.any(String), message: expect.stringMatching(c.expect) } });
          else expect(r.stdout, what).toBe('');
          expect(existsSync(join(runs[i].home, 'config.json')), what).toBe(false);
          expect(versionsIn(runs[i].home), what).toEqual([]);
          expect(existsSync(join(runs[i].home, 'runtime', 'current')), what).toBe(false);
          // The lock was released on the way out.
          expect(existsSync(join(runs[i].home, 'run', 'operation.lock')), what).toBe(false);
        });
        expect(results[2].stderr).toMatch(/Update check failed: .*Last successful check: never/);
      } finally {
        await server.close?.();
      }
    });
  }

  it('a version the registry does not have is named as such, and nothing changes', async () => {
    const home = newHome();
    const r = await cli(['runtime', 'install', '--version', '9.9.9'], home, registry.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/@meetquinn\/animactl has no version or dist-tag "9\.9\.9" on the registry/);
    expect(r.stderr).toContain(registry.url);
    expect(existsSync(join(home, 'config.json'))).toBe(false);
    expect(versionsIn(home)).toEqual([]);
  });
});

describe('update check with the registry gone', () => {
  it('fails, says the registry could not be reached and when the last successful check was; never answers from the cache', async () => {
    const home = newHome();
    const cache = join(tmp, 'cache-stale');
    expect((await cli(['runtime', 'install', '--version', '1.0.0'], home, registry.url, cache)).code).toBe(0);
    const ok = await cli(['upgrade', '--check', '--json'], home, registry.url, cache);
    expect(ok.code, ok.stderr).toBe(0);
    const answer = JSON.parse(ok.stdout);
    expect(answer).toMatchObject({ channel: 'stable', current: '1.0.0', target: '1.1.0', available: true });
    const record = JSON.parse(readFileSync(join(home, 'run', 'update-check.json'), 'utf8'));
    expect(record).toMatchObject({ ok: true, lastSuccessAt: answer.checkedAt });

    await registry.close();
    registryOpen = false;

    const [stale, plain, install] = await Promise.all([
      cli(['upgrade', '--check', '--json'], home, registry.url, cache),
      cli(['upgrade', '--check'], home, registry.url, cache),
      // A channel install asks for `latest` fresh too: a cached dist-tag is not what the channel offers now.
      cli(['runtime', 'install'], home, registry.url, cache),
    ]);
    for (const r of [stale, plain]) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/could not be reached/);
      expect(r.stderr).toContain(registry.url);
      expect(r.stderr).toContain(`Last successful check: ${answer.checkedAt}`);
      expect(r.stderr).not.toMatch(NO_STACK);
      // The old answer is not printed as if it were current: no target, only the error.
      expect(r.stderr).not.toMatch(/Update available|Up to date/);
    }
    expect(plain.stdout).toBe('');
    expect(JSON.parse(stale.stdout)).toEqual({ channel: 'stable', current: '1.0.0', target: null, available: false, error: expect.objectContaining({ code: 'EREGISTRY_UNREACHABLE' }) });
    expect(install.code, install.stderr).toBe(1);
    expect(install.stderr).toMatch(/could not be reached/);

    const after = JSON.parse(readFileSync(join(home, 'run', 'update-check.json'), 'utf8'));
    expect(after).toMatchObject({ ok: false, lastSuccessAt: answer.checkedAt, error: { code: 'EREGISTRY_UNREACHABLE' } });
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).runtime.version).toBe('1.0.0');
    expect(versionsIn(home)).toEqual(['1.0.0']);
  });
});
