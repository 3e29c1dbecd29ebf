import { fileURLToPath } from 'node:url';

/**
 * Navigation and sender guards, pure. Origins are compared as `new URL(u).origin`, never
 * with startsWith (http://127.0.0.1:4280.evil.com starts with http://127.0.0.1:4280).
 */
export function isSameOrigin(url: string, allowedOrigin: string): boolean {
  try {
    const origin = new URL(url).origin;
    return origin !== 'null' && origin === new URL(allowedOrigin).origin;
  } catch {
    return false;
  }
}

/** A link the user may open in their browser: http or https only (no file:, javascript:, custom schemes). */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/**
 * Is this URL our renderer's file? Compared as paths (fileURLToPath, inside a try: a `%`
 * that isn't an escape makes it throw), case-insensitively on Windows, where Chromium
 * upper-cases the drive letter. A query or fragment doesn't matter; any other file does.
 */
export function isRendererFile(url: string | null | undefined, rendererFile: string, platform: NodeJS.Platform = process.platform): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    if (u.protocol !== 'file:' || (u.host && u.host !== 'localhost')) return false;
    const windows = platform === 'win32';
    const got = fileURLToPath(u, { windows });
    return windows ? got.toLowerCase() === rendererFile.toLowerCase() : got === rendererFile;
  } catch {
    return false;
  }
}

/** The private actions of the local "dashboard not running" page, caught in will-navigate. */
export const DASHBOARD_ACTION_SCHEME = 'anima-desktop:';
export type DashboardAction = 'start' | 'retry' | 'status';
export function dashboardAction(url: string): DashboardAction | null {
  try {
    const u = new URL(url);
    if (u.protocol !== DASHBOARD_ACTION_SCHEME) return null;
    const a = (u.hostname || u.pathname.replace(/^\/+/, '')).toLowerCase();
    return a === 'start' || a === 'retry' || a === 'status' ? a : null;
  } catch {
    return null;
  }
}
