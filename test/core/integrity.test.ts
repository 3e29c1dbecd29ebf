// What the registry hands over is checked before anything is installed: the tarball's
// sha512 whatever the framing (a chunked stream with no content-length included), a
// registry offering only sha1 is refused, and the version it answers must be the one
// asked for (never a path such as `1.0.0/../../x`). Always one clear line, exit 1, no
// stack trace, nothing changed in the home.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { runCli } from '../helpers/world';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { buildRuntimePackage, buildTinyDep } from '../helpers/fixtures';
import { startTamperingRegistry, type BadServer } from '../helpers/bad-registries';

const PKG = '@meetquinn/animactl';
let tmp: string;
let registry: TestRegistry;
let n = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'anima-integrity-'));
  mkdirSync(join(tmp, 'user'));
  registry = await startRegistry();
  const pkgs = join(tmp, 'pkgs');
  await registry.publish(buildTinyDep(pkgs, '1.0.0'));
  await registry.publish(buildRuntimePackage(pkgs, { version: '1.0.0' }));
  await registry.publish(buildRuntimePackage(pkgs, { version: '1.1.0' }));
});
afterAll(async () => {
  await registry?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[], registryUrl: string) {
  const home = join(tmp, `home-${++n}`);
  return runCli(args, {
    env: { PATH: process.env.PATH, HOME: join(tmp, 'user'), ANIMA_HOME: home, ANIMA_REGISTRY: registryUrl, npm_config_cache: join(tmp, `cache-${n}`), npm_config_update_notifier: 'false' },
  }).then((r) => ({ ...r, home }));
}

const runtimeDocs = (doc: any) => doc?.name === PKG && doc.versions;

interface Case {
  name: string;
  tamper: Parameters<typeof startTamperingRegistry>[1];
  expect: RegExp;
}

const cases: Case[] = [
  {
    name: 'a tarball that does not match its sha512, streamed chunked without content-length',
    // Large enough to arrive in many chunks: the cache's write pipeline then emitted EINTEGRITY with no listener.
    tamper: { tarball: (bytes) => (bytes.length > 1000 ? gzipSync(randomBytes(400_000)) : bytes) },
    expect: /^animactl: The tarball of @meetquinn\/animactl@1\.\d\.0 from \S+ does not match the integrity the registry published for it$/m,
  },
  {
    name: 'a registry that offers only a sha1 shasum',
    tamper: {
      doc: (doc) => {
        if (runtimeDocs(doc)) for (const v of Object.values<any>(doc.versions)) delete v.dist.integrity;
      },
    },
    expect: /^animactl: The registry \S+ offers only a sha1 checksum for @meetquinn\/animactl@1\.\d\.0; a sha512 integrity is required$/m,
  },
  {
    name: 'a registry answering a version that is a path',
    tamper: {
      doc: (doc) => {
        if (runtimeDocs(doc)) for (const v of Object.values<any>(doc.versions)) v.version = `${v.version}/../../../escaped`;
      },
    },
    expect: /^animactl: The registry \S+ answered version "1\.\d\.0\/\.\.\/\.\.\/\.\.\/escaped" when @meetquinn\/animactl@(1\.\d\.0|latest) was asked for/m,
  },
  {
    name: 'a registry answering another version than the one asked for',
    tamper: {
      doc: (doc) => {
        if (runtimeDocs(doc)) doc.versions['1.1.0'].version = '1.0.0';
      },
    },
    expect: /^animactl: The registry \S+ answered version "1\.0\.0" when @meetquinn\/animactl@(1\.1\.0|latest) was asked for/m,
  },
];

describe('what the registry sends is checked', () => {
  for (const c of cases) {
    it(`${c.name}: one clear error, exit 1, nothing installed`, async () => {
      const server: BadServer = await startTamperingRegistry(registry.url, c.tamper);
      try {
        const results = await Promise.all([cli(['runtime', 'install', '--version', '1.1.0'], server.url), cli(['runtime', 'install'], server.url)]);
        for (const r of results) {
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).toMatch(c.expect);
          expect(r.stderr, r.stderr).not.toMatch(/\n\s+at |uncaught|unexpected failure|Unhandled|EINTEGRITY.*\n.*EINTEGRITY/i);
          expect(r.stdout).toBe('');
          expect(existsSync(join(r.home, 'config.json'))).toBe(false);
          const versions = join(r.home, 'runtime', 'versions');
          expect(existsSync(versions) ? readdirSync(versions) : []).toEqual([]);
          expect(existsSync(join(r.home, 'escaped'))).toBe(false);
          expect(existsSync(join(r.home, 'runtime', 'escaped'))).toBe(false);
        }
      } finally {
        await server.close();
      }
    });
  }
});
