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
  /** Every request this registry received, with its Authorization header (to prove where credentials went). */
  requests: { method: string; url: string; authorization?: string }[];
  /** Registers a user (as `npm adduser` does) and returns the token the registry issued. */
  addUser(name: string, password: string): Promise<string>;
  publish(pkgDir: string, opts?: { tag?: string; token?: string }): Promise<void>;
  distTag(name: string, tag: string, version: string): Promise<void>;
  corruptTarball(name: string, version: string): Promise<void>;
  close(): Promise<void>;
}

/** `privateScopes`: scopes only a logged-in user may read or publish (a company's private registry). */
export async function startRegistry(opts: { privateScopes?: string[] } = {}): Promise<TestRegistry> {
  const root = await mkdtemp(join(tmpdir(), 'anima-registry-'));
  const storage = join(root, 'storage');
  const cache = join(root, 'npm-cache'); // keeps packing/publishing away from ~/.npm
  const anyone = { access: '$all', publish: '$all', unpublish: '$all' };
  const members = { access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' };
  const privateScopes = Object.fromEntries((opts.privateScopes ?? []).map((s) => [`${s}/*`, members]));
  const server: Server = await runServer({
    // verdaccio resolves relative paths against configPath; the file itself is never read.
    configPath: join(root, 'config.yaml'),
    storage,
    uplinks: {}, // no proxying to npmjs: tests must never reach the network
    auth: { htpasswd: { file: join(root, 'htpasswd'), max_users: 100 } },
    packages: { ...privateScopes, '@*/*': anyone, '**': anyone },
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'fatal' },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const requests: TestRegistry['requests'] = [];
  server.prependListener('request', (req) => requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization }));

  return {
    url,
    storage,
    requests,

    async addUser(name, password) {
      const res = await fetch(`${url}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password }),
      });
      const body = (await res.json()) as { token?: string };
      if (!res.ok || !body.token) throw new Error(`adduser ${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
      return body.token;
    },

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
      // No token unless the scope is private: the config lets $all publish elsewhere.
      const auth = opts.token ? { [`//127.0.0.1:${port}/:_authToken`]: opts.token } : {};
      await npmPublish(manifest, tarball, { registry: url, cache, defaultTag: opts.tag ?? 'latest', ...auth });
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
