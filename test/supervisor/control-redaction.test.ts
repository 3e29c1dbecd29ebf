// Nothing with credentials leaves the supervisor: whatever a handler answers or an event
// carries (a registry URL npm quoted, a log line a runtime printed), clients see it redacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer, type Handlers } from '../../main/supervisor/control-server';

const SECRET = 'http://alice:S3CRET@registry.example/';
let dir: string;
let server: Awaited<ReturnType<typeof startControlServer>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'anima-redaction-'));
  const handlers = {
    hello: () => ({ protocol: 2, pid: 1, home: dir }),
    logs: () => [`fetching ${SECRET}`],
    verify: () => ({ ok: false, version: null, checks: [{ name: 'health', ok: false, detail: `GET ${SECRET} failed` }] }),
    subscribe: (_p: unknown, client: { subscribed: boolean }) => {
      client.subscribed = true;
      return {};
    },
  } as unknown as Handlers;
  server = await startControlServer(join(dir, 'c.sock'), handlers);
});
afterAll(() => {
  server.server.close();
  rmSync(dir, { recursive: true, force: true });
});

function exchange(lines: object[], expect: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(join(dir, 'c.sock'));
    let got = '';
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('connect', () => {
      for (const l of lines) s.write(JSON.stringify(l) + '\n');
    });
    s.on('data', (d: string) => {
      got += d;
      if (got.split('\n').filter(Boolean).length >= expect) {
        s.destroy();
        resolve(got);
      }
    });
  });
}

describe('what leaves the supervisor', () => {
  it('answers and events are redacted: no user:password@ reaches a client', async () => {
    const sub = exchange([{ id: 1, method: 'subscribe', params: {} }, { id: 2, method: 'logs', params: { service: 'web', lines: 1 } }, { id: 3, method: 'verify', params: {} }], 4);
    await new Promise((r) => setTimeout(r, 100));
    server.broadcast({ event: 'progress', data: { operation: 'upgrade', step: 'failed', message: `npm said: 404 ${SECRET}` } });
    const text = await sub;
    expect(text).not.toMatch(/S3CRET/);
    expect(text).toMatch(/http:\/\/\*\*\*@registry\.example/);
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
  });
});
