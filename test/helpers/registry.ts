// A real npm registry (verdaccio, in-process) for tests: offline, on a free
// 127.0.0.1 port, with throwaway storage.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pack from 'libnpmpack';
import { publish as npmPublish } from 'libnpmpublish';
import semver from 'semver';
import { runServer } from 'verdaccio';

export interface TestRegistry {
  url: string; // 'http://127.0.0.1:PORT/' (trailing slash)
  storage: string; // verdaccio storage folder (temp)
  publish(pkgDir: string, opts?: { tag?: string }): Promise<void>;
  distTag(name: string, tag: string, version: string): Promise<void>;
  corruptTarball(name: string, version: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRegistry(): Promise<TestRegistry> {
  const root = await mkdtemp(join(tmpdir(), 'anima-registry-'));
  const storage = join(root, 'storage');
  const cache = join(root, 'npm-cache'); // keeps packing/publishing away from ~/.npm
  const anyone = { access: '$all', publish: '$all', unpublish: '$all' };
  const server: Server = await runServer({
    // verdaccio resolves relative paths against configPath; the file itself is never read.
    configPath: join(root, 'config.yaml'),
    storage,
    uplinks: {}, // no proxying to npmjs: tests must never reach the network
    packages: { '@*/*': anyone, '**': anyone },
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'fatal' },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    storage,

    async publish(pkgDir, opts = {}) {
      const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
      // Same rule as `npm publish`: a prerelease must not silently become 'latest'.
      if (semver.prerelease(manifest.version) && !opts.tag) {
        throw new Error(
          `publish ${manifest.name}@${manifest.version}: prerelease versions need an explicit opts.tag`,
        );
      }
      // Fixtures have no lifecycle scripts worth running; skipping them keeps packing fast.
      const tarball = await pack(`file:${pkgDir}`, { ignoreScripts: true, cache });
      // No token: the config lets $all publish.
      await npmPublish(manifest, tarball, { registry: url, cache, defaultTag: opts.tag ?? 'latest' });
    },

    async distTag(name, tag, version) {
      // Same request as `npm dist-tag add`: escaped name as npm-package-arg spells it
      // ('@scope%2fname'), and a bare JSON string as the body.
      const escaped = name.replace('/', '%2f');
      const res = await fetch(`${url}-/package/${escaped}/dist-tags/${encodeURIComponent(tag)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(version),
      });
      if (!res.ok) {
        throw new Error(`dist-tag ${name}@${version} as ${tag}: HTTP ${res.status} ${await res.text()}`);
      }
    },

    async corruptTarball(name, version) {
      // Layout is <storage>/<name>/<basename>-<version>.tgz, with the scope as a folder.
      const base = name.split('/').pop();
      const file = join(storage, name, `${base}-${version}.tgz`);
      await readFile(file); // fail loudly (ENOENT) if the layout ever changes
      // Valid gzip with other bytes: clients must fail on integrity, not on unzip.
      await writeFile(file, gzipSync(Buffer.from(`corrupted ${name}@${version}\n`)));
    },

    async close() {
      // close() drops idle keep-alive sockets but waits for requests in flight;
      // cutting those too means a stuck client can never hang a test's teardown.
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await rm(root, { recursive: true, force: true });
    },
  };
}
