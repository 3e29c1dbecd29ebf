import type { HomeStatus } from '../shared/status';
import { dashboardAction, isSameOrigin, type DashboardAction } from './navigation';

export type NavigationDecision =
  | { kind: 'allow' }
  | { kind: 'action'; action: DashboardAction }
  /** Cancelled; `external`: hand a link the user followed to the browser; `placeholder`: the window has nothing else to show. */
  | { kind: 'block'; external: boolean; placeholder: boolean };

/**
 * The dashboard window's guard, for will-navigate and will-redirect. Only the main frame is
 * held to the dashboard's origin: will-redirect fires for every frame, and an embed or a
 * sign-in redirecting inside an iframe is the page's own business (it can't open windows,
 * and the frame can't leave the window). The placeholder's anima-desktop:// buttons count
 * only on the placeholder itself.
 */
export function dashboardNavigation(o: { url: string; isMainFrame: boolean; redirect: boolean; dashboardUrl: string | null; showing: 'nothing' | 'placeholder' | 'dashboard' }): NavigationDecision {
  if (!o.isMainFrame) return { kind: 'allow' };
  const action = dashboardAction(o.url);
  if (action) return o.showing === 'placeholder' ? { kind: 'action', action } : { kind: 'block', external: false, placeholder: false };
  if (o.dashboardUrl && isSameOrigin(o.url, o.dashboardUrl)) return { kind: 'allow' };
  if (o.url.startsWith('data:text/html') && o.showing === 'placeholder') return { kind: 'allow' };
  // A server's redirect isn't the user's click: never opened in the browser by itself.
  return { kind: 'block', external: !o.redirect, placeholder: o.showing !== 'dashboard' };
}

/** Which web the dashboard shows: its URL, pid and start time while it runs, else null. */
export function webIdentity(status: HomeStatus | null | undefined): string | null {
  const web = status?.services.web;
  return web?.state === 'running' && web.url ? `${web.url} pid ${web.pid ?? '?'} since ${web.startedAt ?? '?'}` : null;
}

/**
 * When the dashboard window loads anew: when web comes up or restarts (an upgrade brings a
 * new version's page), not on every state push; a failing load is retried with a backoff
 * rather than at each push (the window would flicker between the page and the placeholder).
 */
export class DashboardReloads {
  private loadedFor: string | null | undefined = undefined;
  private failures = 0;

  constructor(private readonly backoffMs: readonly number[] = [1000, 2000, 5000, 10_000, 30_000]) {}

  /** On a state push: 'load' the dashboard, show the 'placeholder', or leave it (null). */
  onState(identity: string | null): 'load' | 'placeholder' | null {
    if (identity === this.loadedFor) return null;
    this.loadedFor = identity;
    this.failures = 0;
    return identity ? 'load' : 'placeholder';
  }

  /** A load failed: how long to wait before the next try. */
  retryDelayMs(): number {
    return this.backoffMs[Math.min(this.failures++, this.backoffMs.length - 1)];
  }

  loaded(): void {
    this.failures = 0;
  }

  /** The next state decides afresh (the window opened, the user pressed Try again). */
  forget(): void {
    this.loadedFor = undefined;
    this.failures = 0;
  }
}
