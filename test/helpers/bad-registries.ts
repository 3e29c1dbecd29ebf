// Registries that misbehave on purpose, for error-path tests. Raw node:http so
// each failure is exactly the one we ask for.
import { createServer, type RequestListener } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BadServer {
  url: string;
  close(): Promise<void>;
}

async function serve(handler: RequestListener): Promise<BadServer> {
  const server = createServer(handler);
  // Track raw sockets: closeAllConnections() skips connections that never sent a
  // full request, and the hanging server must still close at once.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export async function startGarbageRegistry(): Promise<BadServer> {
  return serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('this is not json <html>');
  });
}

export async function startHangingRegistry(): Promise<BadServer> {
  return serve(() => {
    // Never answer: the client's timeout is what is under test.
  });
}

export async function startStatusRegistry(status: number): Promise<BadServer> {
  return serve((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `test registry always answers ${status}` }));
  });
}

export async function unusedPortUrl(): Promise<string> {
  // The OS just handed this port out and took it back; nothing else here is
  // likely to grab it before the test connects (and gets ECONNREFUSED).
  const { url, close } = await serve(() => {});
  await close();
  return url;
}

/**
 * A registry in front of a real one that tampers with what it serves: `doc` rewrites each
 * package document (JSON), `tarball` replaces each tarball's bytes, sent chunked with no
 * content-length, as many proxies and registries stream them. `before` is awaited before
 * each request is served (a test holds one back with it).
 */
export async function startTamperingRegistry(upstream: string, tamper: { doc?: (doc: any) => void; tarball?: (bytes: Buffer) => Buffer; before?: (url: string) => Promise<void> }): Promise<BadServer> {
  let self = '';
  const server = await serve(async (req, res) => {
    try {
      await tamper.before?.(req.url!);
      const up = await fetch(new URL(req.url!.slice(1), upstream), { headers: { accept: req.headers.accept ?? '*/*' } });
      const body = Buffer.from(await up.arrayBuffer());
      if (req.url!.endsWith('.tgz')) {
        const bytes = up.ok && tamper.tarball ? tamper.tarball(body) : body;
        res.writeHead(up.status, { 'content-type': 'application/octet-stream' });
        // Chunked: several writes, no content-length.
        for (let i = 0; i < bytes.length; i += 512) res.write(bytes.subarray(i, i + 512));
        res.end();
        return;
      }
      let text = body.toString('utf8').split(upstream).join(self);
      if (up.ok && tamper.doc && /json/.test(up.headers.get('content-type') ?? '')) {
        const doc = JSON.parse(text);
        tamper.doc(doc);
        text = JSON.stringify(doc);
      }
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  });
  self = server.url;
  return server;
}
