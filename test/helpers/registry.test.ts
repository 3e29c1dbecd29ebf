// Proves the test registries with the real client (pacote), so tests built on
// them fail for the app's reasons, not the harness's.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pacote from 'pacote';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGarbageRegistry,
  startHangingRegistry,
  startStatusRegistry,
  unusedPortUrl,
  type BadServer,
} from './bad-registries';
import { startRegistry, type TestRegistry } from './registry';

let work: string;
let dirCount = 0;

// A new (not yet created) folder per use: pacote caches must not leak results between assertions.
function freshDir(label: string): string {
  return join(work, `${label}-${++dirCount}`);
}

async function makePackage(name: string, version: string): Promise<string> {
  const dir = await mkdtemp(join(work, 'pkg-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  await writeFile(join(dir, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'anima-registry-test-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('startRegistry', () => {
  let registry: TestRegistry;
  // preferOnline: pacote would otherwise answer from its cache and hide registry changes.
  const opts = () => ({ registry: registry.url, cache: freshDir('cache'), preferOnline: true });

  beforeAll(async () => {
    registry = await startRegistry();
    for (const name of ['anima-fixture', '@anima-fixtures/x']) {
      await registry.publish(await makePackage(name, '1.0.0'));
      await registry.publish(await makePackage(name, '1.1.0'));
      await registry.publish(await makePackage(name, '1.2.0-canary.1'), { tag: 'canary' });
    }
  });

  afterAll(async () => {
    await registry?.close();
  });

  it('serves on 127.0.0.1 with a trailing-slash url and temp storage', () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(registry.storage.startsWith(tmpdir())).toBe(true);
  });

  it.each(['anima-fixture', '@anima-fixtures/x'])('publishes releases and tagged prereleases (%s)', async (name) => {
    const packument = await pacote.packument(name, opts());
    expect(packument['dist-tags']).toEqual({ latest: '1.1.0', canary: '1.2.0-canary.1' });
    expect(Object.keys(packument.versions).sort()).toEqual(['1.0.0', '1.1.0', '1.2.0-canary.1']);
  });

  it('refuses a prerelease without a tag', async () => {
    const dir = await makePackage('anima-fixture', '2.0.0-beta.1');
    await expect(registry.publish(dir)).rejects.toThrow(/need an explicit opts\.tag/);
  });

  it.each(['anima-fixture', '@anima-fixtures/x'])('serves tarballs that extract (%s)', async (name) => {
    const dest = freshDir('extract');
    await pacote.extract(`${name}@1.0.0`, dest, opts());
    expect(await readFile(join(dest, 'index.js'), 'utf8')).toContain(`${name}@1.0.0`);
  });

  it.each(['anima-fixture', '@anima-fixtures/x'])('moves dist-tags, visible on the next request (%s)', async (name) => {
    const cache = freshDir('cache');
    const before = await pacote.packument(name, { registry: registry.url, cache, preferOnline: true });
    expect(before['dist-tags'].latest).toBe('1.1.0');

    await registry.distTag(name, 'latest', '1.0.0');
    // Same pacote cache on purpose: the change must reach a client that already saw the old tag.
    const after = await pacote.packument(name, { registry: registry.url, cache, preferOnline: true });
    expect(after['dist-tags']).toEqual({ latest: '1.0.0', canary: '1.2.0-canary.1' });

    await registry.distTag(name, 'latest', '1.1.0');
  });

  it.each(['anima-fixture', '@anima-fixtures/x'])('corrupts a stored tarball so clients get EINTEGRITY (%s)', async (name) => {
    const before = await pacote.packument(name, opts());
    await registry.corruptTarball(name, '1.1.0');

    const after = await pacote.packument(name, opts());
    expect(after.versions['1.1.0'].dist).toEqual(before.versions['1.1.0'].dist);
    await expect(pacote.extract(`${name}@1.1.0`, freshDir('extract'), opts())).rejects.toMatchObject({
      code: 'EINTEGRITY',
    });
    // Other versions are untouched.
    await pacote.extract(`${name}@1.0.0`, freshDir('extract'), opts());
  });

  it('corruptTarball fails loudly for a version that is not stored', async () => {
    await expect(registry.corruptTarball('anima-fixture', '9.9.9')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('TestRegistry.close', () => {
  it('frees the port (even with keep-alive clients) and removes storage', async () => {
    const registry = await startRegistry();
    await registry.publish(await makePackage('anima-fixture', '1.0.0'));
    const cache = freshDir('cache');
    // Leaves a keep-alive connection from pacote's agent open at close time.
    await pacote.packument('anima-fixture', { registry: registry.url, cache, preferOnline: true });

    await registry.close();

    expect(existsSync(registry.storage)).toBe(false);
    await expect(
      pacote.packument('anima-fixture', { registry: registry.url, cache: freshDir('cache'), preferOnline: true }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  // Not about the harness: pins a pacote behaviour that tests of "registry down" must
  // account for. On a network error make-fetch-happen serves the stale cached
  // packument (verdaccio sends no must-revalidate), so preferOnline does not help.
  it('a warm pacote cache hides a dead registry, even with preferOnline', async () => {
    const registry = await startRegistry();
    await registry.publish(await makePackage('anima-fixture', '1.0.0'));
    const cache = freshDir('cache');
    await pacote.packument('anima-fixture', { registry: registry.url, cache, preferOnline: true });
    await registry.close();

    const stale = await pacote.packument('anima-fixture', { registry: registry.url, cache, preferOnline: true });
    expect(stale['dist-tags'].latest).toBe('1.0.0');
  });
});

describe('bad registries', () => {
  // No retries and a short timeout so the hanging server fails in about a second.
  const failFast = (registry: string) => ({
    registry,
    cache: freshDir('cache'),
    preferOnline: true,
    fetchRetries: 0,
    timeout: 1000,
  });

  async function packumentError(server: BadServer | string): Promise<unknown> {
    const url = typeof server === 'string' ? server : server.url;
    try {
      await pacote.packument('anima-fixture', failFast(url));
    } catch (err) {
      return err;
    } finally {
      if (typeof server !== 'string') await server.close();
    }
    throw new Error(`expected ${url} to fail`);
  }

  it('garbage body: FETCH_ERROR of type invalid-json', async () => {
    expect(await packumentError(await startGarbageRegistry())).toMatchObject({
      code: 'FETCH_ERROR',
      type: 'invalid-json',
    });
  });

  it('no answer: FETCH_ERROR of type request-timeout, and close() does not wait for the client', async () => {
    const server = await startHangingRegistry();
    const started = Date.now();
    expect(await packumentError(server)).toMatchObject({ code: 'FETCH_ERROR', type: 'request-timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('close() of the hanging server is immediate while a request is pending', async () => {
    const server = await startHangingRegistry();
    const pending = fetch(server.url).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the request arrive
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
  });

  it.each([
    [404, 'E404'],
    [500, 'E500'],
    [401, 'E401'],
  ])('status %i: %s', async (status, code) => {
    expect(await packumentError(await startStatusRegistry(status))).toMatchObject({ code, statusCode: status });
  });

  it('nothing listening: ECONNREFUSED', async () => {
    expect(await packumentError(await unusedPortUrl())).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
