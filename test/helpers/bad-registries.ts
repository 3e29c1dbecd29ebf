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
