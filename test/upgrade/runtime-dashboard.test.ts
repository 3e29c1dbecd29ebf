// The offer in the runtime's own dashboard (runtime contract §7, docs/control-protocol.md):
// the reference runtime asks the supervisor over ANIMA_CONTROL_SOCKET as a "runtime", shows
// the offer, starts the upgrade to the offered version only, and its new version shows the
// outcome after its own restart. Its button's endpoint refuses other pages (CSRF, DNS rebinding).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import { layout } from '../../main/core/home';
import { startWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/reference-queue';
import { expectRunningVerified, startAt, status, type Supervised } from './lib';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

function http(port: number, path: string, o: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(o.body ? JSON.stringify(o.body) : undefined);
  });
}

/** One request on the control socket as a runtime would make it (role "runtime"). */
function asRuntime(socketPath: string, method: string, params: Record<string, unknown>): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let buf = '';
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('connect', () => {
      s.write(JSON.stringify({ id: 1, method: 'hello', params: { protocol: 2, role: 'runtime' } }) + '\n');
      s.write(JSON.stringify({ id: 2, method, params }) + '\n');
    });
    s.on('data', (d: string) => {
      buf += d;
      for (const line of buf.split('\n').slice(0, -1)) {
        const msg = JSON.parse(line);
        if (msg.id === 2) {
          s.destroy();
          resolve(msg);
        }
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
  });
}

describe("the offer in the runtime's own dashboard", () => {
  it('shows the offer, refuses other pages, upgrades through the control socket and shows the outcome after its restart', async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_FIRST_UPDATE_CHECK_MS: '300' });
    await startAt(world, h, '1.0.0');
    await waitFor(async () => (await status(world, h)).update?.available, { what: 'the offer of 1.1.0', timeoutMs: 20_000 });

    const page = await http(h.port, '/');
    expect(page.body).toMatch(/Anima 1\.1\.0 is available \(you run 1\.0\.0\)/);
    const token = /<meta name="anima-upgrade-token" content="([0-9a-f]+)">/.exec(page.body)![1];
    const ours = { host: `127.0.0.1:${h.port}`, origin: `http://127.0.0.1:${h.port}` };
    const upgrade = (headers: Record<string, string>) => http(h.port, '/api/anima/upgrade', { method: 'POST', headers, body: { version: '1.1.0' } });

    // Another page in the user's browser: no token, a foreign Origin, a DNS-rebound Host, no Origin at all.
    for (const [headers, says] of [
      [{ ...ours }, /page token/],
      [{ ...ours, origin: 'http://evil.example', 'x-anima-token': token }, /Origin "http:\/\/evil\.example"/],
      [{ ...ours, host: `evil.example:${h.port}`, 'x-anima-token': token }, /Host "evil\.example/],
      [{ host: ours.host, 'x-anima-token': token }, /Origin "\(none\)"/],
    ] as const) {
      const r = await upgrade(headers);
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).error).toMatch(says);
    }
    expect((await status(world, h)).operation).toBeNull();

    // Its own page: accepted, and the supervisor runs the one click.
    const accepted = await upgrade({ ...ours, 'x-anima-token': token });
    expect(accepted.status).toBe(202);
    expect(JSON.parse(accepted.body)).toEqual({ started: '1.1.0' });
    await waitFor(async () => {
      const s = await status(world, h);
      return s.runtime.version === '1.1.0' && s.operation === null;
    }, { what: 'the upgrade to 1.1.0', timeoutMs: 60_000 });
    await expectRunningVerified(world, h, '1.1.0');

    // The new version's page reads the outcome.
    const after = await http(h.port, '/');
    expect(after.body).toMatch(/<meta name="anima-version" content="1\.1\.0">/);
    expect(after.body).toMatch(/id="anima-outcome" class="ok">Upgraded 1\.0\.0 → 1\.1\.0; verified/);
    expect(after.body).not.toMatch(/is available/);
  });

  it("a runtime's connection can't reach beyond the offer", async () => {
    const h: Supervised = await world.supervisedHome({ ANIMA_FIRST_UPDATE_CHECK_MS: '300' });
    await startAt(world, h, '1.0.0');
    await waitFor(async () => (await status(world, h)).update?.available, { what: 'the offer of 1.1.0', timeoutMs: 20_000 });
    const socket = layout(h.home).socket;
    for (const [method, params] of [
      ['upgrade', { version: '1.2.0-canary.1' }],
      ['restart', { version: '1.2.0-canary.1' }],
      ['config-set', { key: 'runtime.registry', value: 'http://evil.example/' }],
      ['stop', {}],
    ] as const) {
      expect(await asRuntime(socket, method, params)).toMatchObject({ ok: false, error: { code: 'EFORBIDDEN' } });
    }
    expect(await asRuntime(socket, 'upgrade-offered', { version: '1.2.0-canary.1' })).toMatchObject({ ok: false, error: { code: 'ENOTOFFERED' } });
    expect(await asRuntime(socket, 'skip-version', { version: '1.0.0' })).toMatchObject({ ok: false, error: { code: 'ENOTOFFERED' } });
    const s = await asRuntime(socket, 'status', {});
    expect(s.result.update).toMatchObject({ target: '1.1.0', available: true });
    expect((await status(world, h)).runtime.version).toBe('1.0.0');
  });
});
