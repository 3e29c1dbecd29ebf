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
 * Is this URL one of our pages (main/app/app-protocol.ts: `anima-app://app/index.html` for
 * the status window, `…/bar/index.html` for the bar)? Scheme, host and path must all match; a
 * query or fragment doesn't matter. Not by `.origin`: Node gives a non-special scheme's URL
 * the origin "null", so every one of them would compare equal.
 */
export function isAppPage(url: string | null | undefined, pageUrl: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    const page = new URL(pageUrl);
    return u.protocol === page.protocol && u.host === page.host && u.pathname === page.pathname && !u.username && !u.password;
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
