import { request } from 'node:http';

export interface HttpResult {
  status: number;
  body: string;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
}

/** A GET on loopback with a hard deadline; errors (refused, reset, timed out) reject. */
export function httpGet(url: string, timeoutMs = 2000): Promise<HttpResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // A dashboard page or a JSON document: never more than a few MB worth reading.
        if (size > 8 * 1024 * 1024) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Math.round(performance.now() - t0), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${url} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

export async function httpJson<T = Record<string, unknown>>(url: string, timeoutMs?: number): Promise<{ status: number; json: T | null; ms: number }> {
  const r = await httpGet(url, timeoutMs);
  let json: T | null = null;
  try {
    json = JSON.parse(r.body) as T;
  } catch {
    json = null;
  }
  return { status: r.status, json, ms: r.ms };
}
