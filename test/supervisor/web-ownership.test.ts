// Another local program takes the web port between the supervisor's port check and the
// web service's own listen. Its answers must never count as Anima's: `start` fails and
// names it, instead of printing "Started" with a foreign page as the dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';
import { output, status } from '../upgrade/lib';

let world: World;
beforeAll(async () => {
  world = await startWorld({ standard: false });
  // The web service waits before listening: the window in which another program takes the port.
  await world.publishRuntime({ version: '2.0.0', web: 'slow-start', extra: { slowStartMs: 2500 } });
  await world.publishRuntime({ version: '2.0.1', web: 'slow-start', extra: { slowStartMs: 2500, echoNonce: false } });
  await world.publishRuntime({ version: '2.0.2', extra: { echoNonce: false } });
});
afterAll(() => world?.close());

function foreignServer(port: number, headers: Record<string, string> = {}): Promise<Server> {
  const srv = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', ...headers });
    res.end('<html>not Anima</html>');
  });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

const cases: { name: string; version: string; headers: Record<string, string>; says: RegExp }[] = [
  { name: 'a runtime that echoes the nonce; the intruder sends none', version: '2.0.0', headers: {}, says: new RegExp(`answered by pid ${process.pid} `) },
  { name: 'a runtime that echoes no nonce (ownership of the socket decides)', version: '2.0.1', headers: {}, says: new RegExp(`answered by pid ${process.pid} `) },
  { name: 'an intruder that echoes a nonce of its own', version: '2.0.0', headers: { 'x-anima-nonce': 'not-the-one' }, says: /answered by a web service of another start/ },
];

describe('a foreign listener on the web port', () => {
  for (const c of cases) {
    it(`${c.name}: start fails naming it, and web is not running`, async () => {
      const h = await world.supervisedHome();
      const starting = world.cli(['start', '--no-browser', '--version', c.version], { home: h.home, env: h.env });
      // Our web service is launched (its pid file written) but not listening yet: take the port now.
      await waitFor(() => existsSync(join(h.home, 'run', 'web.pid')), { what: 'the web service to be launched', timeoutMs: 30_000 });
      const intruder = await foreignServer(h.port, c.headers);
      try {
        const r = await starting;
        expect(r.code, output(r)).toBe(1);
        expect(r.stderr).toMatch(c.says);
        expect(r.stderr).toMatch(/not by the web service Anima started/);
        const s = await status(world, h);
        expect(s.services.web.state).not.toBe('running');
      } finally {
        intruder.close();
        intruder.closeAllConnections();
      }
    });
  }

  it('a runtime that echoes no nonce still starts when the listener is its own', async () => {
    const h = await world.supervisedHome();
    const r = await world.cli(['start', '--no-browser', '--version', '2.0.2'], { home: h.home, env: h.env });
    expect(r.code, output(r)).toBe(0);
    expect((await status(world, h)).services.web.state).toBe('running');
  });
});
