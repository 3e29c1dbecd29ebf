import { describe, expect, it } from 'vitest';
import { dashboardNavigation, DashboardReloads, webIdentity } from '../../main/app/dashboard-policy';
import { status } from './state-fixtures';

const dashboardUrl = 'http://127.0.0.1:4280';
const nav = (url: string, o: Partial<Parameters<typeof dashboardNavigation>[0]> = {}) => dashboardNavigation({ url, isMainFrame: true, redirect: false, dashboardUrl, showing: 'dashboard', ...o });

describe('the dashboard window guard (issue 15 #6)', () => {
  it('holds the main frame to the dashboard origin and hands followed links to the browser', () => {
    expect(nav('http://127.0.0.1:4280/agents')).toEqual({ kind: 'allow' });
    expect(nav('https://docs.example.com/')).toEqual({ kind: 'block', external: true, placeholder: false });
    expect(nav('http://127.0.0.1:4280.evil.com/')).toMatchObject({ kind: 'block' });
  });

  it("leaves frames' redirects alone: an embed or a sign-in inside an iframe", () => {
    expect(nav('https://accounts.example.com/oauth', { isMainFrame: false, redirect: true })).toEqual({ kind: 'allow' });
  });

  it('shows the placeholder when the first load is redirected away, and never opens a redirect in the browser', () => {
    expect(nav('http://localhost:4280/', { redirect: true, showing: 'nothing' })).toEqual({ kind: 'block', external: false, placeholder: true });
    expect(nav('http://localhost:4280/', { redirect: true, showing: 'placeholder' })).toEqual({ kind: 'block', external: false, placeholder: true });
    expect(nav('http://localhost:4280/', { redirect: true, showing: 'dashboard' })).toEqual({ kind: 'block', external: false, placeholder: false });
  });

  it("takes the placeholder's buttons only from the placeholder", () => {
    expect(nav('anima-desktop://start', { showing: 'placeholder' })).toEqual({ kind: 'action', action: 'start' });
    expect(nav('anima-desktop://start', { showing: 'dashboard' })).toEqual({ kind: 'block', external: false, placeholder: false });
    expect(nav('data:text/html,x', { showing: 'placeholder', redirect: true })).toEqual({ kind: 'allow' });
    expect(nav('data:text/html,x', { showing: 'dashboard' })).toMatchObject({ kind: 'block' });
  });
});

describe('dashboard reloads (issue 15 #7)', () => {
  const running = (pid: number, startedAt: string) => {
    const s = status();
    return webIdentity({ ...s, services: { ...s.services, web: { ...s.services.web, pid, startedAt } } });
  };

  it('loads when web comes up and again when it restarts, not on every state push', () => {
    const r = new DashboardReloads();
    expect(r.onState(null)).toBe('placeholder');
    expect(r.onState(null)).toBe(null);
    const a = running(100, '2026-01-01T00:00:00Z');
    expect(a).not.toBeNull();
    expect(r.onState(a)).toBe('load');
    expect(r.onState(a)).toBe(null);
    expect(r.onState(a)).toBe(null);
    // An upgrade restarted web: a new pid (or start time) is a new page to load.
    expect(r.onState(running(200, '2026-01-01T00:05:00Z'))).toBe('load');
    expect(r.onState(running(200, '2026-01-01T00:06:00Z'))).toBe('load');
    expect(r.onState(null)).toBe('placeholder');
  });

  it('retries a failing load with a growing delay, not at each push, and starts over once it loads', () => {
    const r = new DashboardReloads([100, 200, 400]);
    const a = running(100, 't');
    expect(r.onState(a)).toBe('load');
    expect([r.retryDelayMs(), r.retryDelayMs(), r.retryDelayMs(), r.retryDelayMs()]).toEqual([100, 200, 400, 400]);
    expect(r.onState(a)).toBe(null); // pushes while failing: no reload, no flicker
    r.loaded();
    expect(r.retryDelayMs()).toBe(100);
    r.forget();
    expect(r.onState(a)).toBe('load');
  });

  it('knows web only while it runs', () => {
    expect(webIdentity(status({ web: 'stopped' }))).toBeNull();
    expect(webIdentity(status({ web: 'starting' }))).toBeNull();
    expect(webIdentity(null)).toBeNull();
  });
});
