import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { APP_SCHEME, resolveAppRequest } from '../app-protocol';
import { log } from './app-log';

/**
 * Before `ready` (Electron reads the list once): standard, so that pages get a real origin and
 * relative URLs resolve; secure, so they count as a secure context. Nothing more: no fetch, no
 * CORS, no service workers, and CSP is not bypassed.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, codeCache: true } }]);
}

/**
 * Serves dist/renderer on the default session only: the dashboard's own session (the runtime's
 * page) has no handler for the scheme, so it can't load our pages or scripts.
 */
export function serveAppScheme(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppRequest({ url: request.url, method: request.method }, root);
    if (r.status !== 200) {
      log.warn(`${APP_SCHEME}: ${r.status} for ${request.method} ${request.url}`);
      return new Response(null, { status: r.status, headers: r.headers });
    }
    try {
      // fs, not net.fetch(file://): it reads inside app.asar, and file:// stays unprivileged (the fuse is off).
      const body = await readFile(r.file);
      return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: r.headers });
    } catch {
      return new Response(null, { status: 404, headers: r.headers });
    }
  });
}
