import { extname, isAbsolute, join, relative } from 'node:path';
import { RENDERER_CSP } from './csp';

/**
 * Our own pages (the status window, the dashboard's update bar) come from `anima-app://app/…`,
 * a privileged standard+secure scheme served by `protocol.handle` from dist/renderer, instead
 * of file://: a page of ours then has an origin of its own (file:// pages share one, with
 * every file on disk), the CSP travels as a real header, and nothing outside the folder can
 * be named. The decisions are here, pure; main/app/electron/app-scheme.ts only reads the file.
 */
export const APP_SCHEME = 'anima-app';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const STATUS_PAGE_URL = `${APP_ORIGIN}/index.html`;
export const BAR_PAGE_URL = `${APP_ORIGIN}/bar/index.html`;

/** What may be served, by extension; anything else is a 404, whatever the folder holds. */
export const APP_MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  // Source maps exist in development builds only (the package leaves them out): for DevTools.
  '.map': 'application/json; charset=utf-8',
};

export type AppResponse =
  | { status: 200; file: string; headers: Record<string, string> }
  | { status: 400 | 403 | 404 | 405; headers: Record<string, string> };

const baseHeaders = (): Record<string, string> => ({
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
});

const refuse = (status: 400 | 403 | 404 | 405): AppResponse => ({ status, headers: baseHeaders() });

/**
 * Which file answers a request for `url`, under `root` (dist/renderer), or why none does.
 * The URL parser has already folded `.` and `..` segments; each segment is then decoded on its
 * own and refused if it could still climb or hide (`..`, `%2F`, a backslash, a NUL, a leading
 * dot), and the joined path must stay under root.
 */
export function resolveAppRequest(req: { url: string; method?: string }, root: string): AppResponse {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return refuse(405);
  let u: URL;
  try {
    u = new URL(req.url);
  } catch {
    return refuse(400);
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host.toLowerCase() !== APP_HOST || u.username || u.password) return refuse(403);
  const raw = u.pathname.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const s of raw) {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      return refuse(400);
    }
    if (d === '.' || d === '..' || d.startsWith('.') || /[/\\\0:]/.test(d)) return refuse(403);
    segments.push(d);
  }
  if (!segments.length) segments.push('index.html');
  const type = APP_MIME_TYPES[extname(segments[segments.length - 1]).toLowerCase()];
  if (!type) return refuse(404);
  const file = join(root, ...segments);
  const rel = relative(root, file);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return refuse(403);
  return { status: 200, file, headers: { ...baseHeaders(), 'Content-Type': type } };
}
