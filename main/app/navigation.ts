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
 * Is an IPC message from our own status window? Its frame must exist (it may be null
 * after a navigation) and show our renderer file: the same file: URL path, nothing else.
 */
export function isTrustedRendererUrl(frameUrl: string | null | undefined, rendererUrl: string): boolean {
  if (!frameUrl) return false;
  try {
    const got = new URL(frameUrl);
    const want = new URL(rendererUrl);
    if (got.protocol !== want.protocol) return false;
    if (want.protocol === 'file:') return got.host === want.host && decodeURIComponent(got.pathname) === decodeURIComponent(want.pathname);
    return got.origin === want.origin && got.pathname === want.pathname;
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
