import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barPreferences, dashboardPagePreferences, dashboardWindowOptions, DASHBOARD_PARTITION, statusWindowOptions } from '../../main/app/electron/window-options';
import { dashboardAction, isAppPage, isSafeExternalUrl, isSameOrigin } from '../../main/app/navigation';
import { BAR_PAGE_URL, STATUS_PAGE_URL } from '../../main/app/app-protocol';
import { RENDERER_CSP } from '../../main/app/csp';
import { EVENT_NAMES, INVOKE_METHODS, invokeSchemas } from '../../main/shared/ipc-contract';
import { dashboardUnavailableHtml } from '../../main/app/dashboard-page';
import { createHandlers } from '../../main/app/ipc-handlers';
import { SupervisorLink } from '../../main/app/supervisor-link';
import { listKnownHomes, rememberHome } from '../../main/app/known-homes';

const REPO = join(__dirname, '..', '..');

describe('window options', () => {
  it('locks the status window down and gives it only our preload', () => {
    const o = statusWindowOptions({ preload: '/app/dist/preload.cjs' });
    expect(o.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, preload: '/app/dist/preload.cjs' });
    expect(o.webPreferences!.partition).toBeUndefined();
  });

  it('gives the dashboard no preload and its own session partition', () => {
    const o = dashboardPagePreferences();
    expect(o).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, partition: DASHBOARD_PARTITION });
    expect(o.preload).toBeUndefined();
    expect(DASHBOARD_PARTITION).not.toBe('');
    // The window is a BaseWindow: it shows no page of its own, only the views.
    expect(dashboardWindowOptions()).not.toHaveProperty('webPreferences');
  });

  it("locks the dashboard's update bar down too, with its own preload, outside the dashboard's session", () => {
    const o = barPreferences({ preload: '/app/dist/preload-bar.cjs' });
    expect(o).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, preload: '/app/dist/preload-bar.cjs' });
    expect(o.partition).toBeUndefined();
  });
});

describe('navigation guard', () => {
  const allowed = 'http://127.0.0.1:4280';
  it('allows only the exact origin, never a prefix match', () => {
    expect(isSameOrigin('http://127.0.0.1:4280/agents?x=1', allowed)).toBe(true);
    expect(isSameOrigin('http://127.0.0.1:4280', `${allowed}/`)).toBe(true);
    for (const bad of [
      'http://127.0.0.1:4280.evil.com/',
      'http://127.0.0.1:42800/',
      'https://127.0.0.1:4280/',
      'http://localhost:4280/',
      'http://127.0.0.1:4280@evil.com/',
      'http://evil.com/?http://127.0.0.1:4280',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,hi',
      'not a url',
    ]) expect(isSameOrigin(bad, allowed), bad).toBe(false);
  });

  it('opens only plain http(s) links externally', () => {
    expect(isSafeExternalUrl('https://anima.meetquinn.ai/docs')).toBe(true);
    expect(isSafeExternalUrl('http://example.com')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'https://user:pw@example.com', '']) expect(isSafeExternalUrl(bad), bad).toBe(false);
  });

  it('trusts IPC only from our own pages on anima-app://app, each by its exact path', () => {
    expect(isAppPage(STATUS_PAGE_URL, STATUS_PAGE_URL)).toBe(true);
    expect(isAppPage(`${STATUS_PAGE_URL}#operation`, STATUS_PAGE_URL)).toBe(true);
    expect(isAppPage(`${STATUS_PAGE_URL}?x=1`, STATUS_PAGE_URL)).toBe(true);
    expect(isAppPage(BAR_PAGE_URL, BAR_PAGE_URL)).toBe(true);
    expect(isAppPage(null, STATUS_PAGE_URL)).toBe(false);
    expect(isAppPage(undefined, STATUS_PAGE_URL)).toBe(false);
    // The bar is not the status window, nor the other way round.
    expect(isAppPage(BAR_PAGE_URL, STATUS_PAGE_URL)).toBe(false);
    expect(isAppPage(STATUS_PAGE_URL, BAR_PAGE_URL)).toBe(false);
    for (const bad of [
      'file:///opt/Anima%20Desktop/resources/app.asar/dist/renderer/index.html',
      'anima-app://evil/index.html',
      'anima-app://app.evil/index.html',
      'anima-app://app:8080/index.html',
      'anima-app://user@app/index.html',
      'anima-app://app/index.html.evil',
      'anima-app://app/other.html',
      'anima-desktop://app/index.html',
      'http://app/index.html',
      'http://127.0.0.1:4280/index.html',
      'not a url',
    ]) expect(isAppPage(bad, STATUS_PAGE_URL), bad).toBe(false);
  });

  it('recognises the placeholder page actions only on our private scheme', () => {
    expect(dashboardAction('anima-desktop://start')).toBe('start');
    expect(dashboardAction('anima-desktop://retry')).toBe('retry');
    expect(dashboardAction('anima-desktop://status')).toBe('status');
    expect(dashboardAction('anima-desktop://rm-rf')).toBe(null);
    expect(dashboardAction('http://start/')).toBe(null);
  });

  it('escapes what the placeholder page shows', () => {
    const html = dashboardUnavailableHtml({ url: 'http://127.0.0.1:4280', reason: '<img src=x onerror=alert(1)>', home: '/h/"a"' });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x');
    expect(html).toContain('anima-desktop://start');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('IPC contract, CSP and bundles', () => {
  it('lists every method once, matching its schemas', () => {
    expect([...INVOKE_METHODS].sort()).toEqual(Object.keys(invokeSchemas()).sort());
    expect(new Set(INVOKE_METHODS).size).toBe(INVOKE_METHODS.length);
    expect(EVENT_NAMES).toEqual(['state', 'progress', 'outcome', 'focus']);
  });

  it('takes only an absolute path of at most 4096 characters for openHome', () => {
    const s = invokeSchemas().openHome;
    for (const ok of ['/home/u/.anima', 'C:\\Users\\u\\.anima', 'D:/anima', '\\\\server\\share\\anima', `/${'a'.repeat(4095)}`]) expect(s.safeParse({ home: ok }).success, ok).toBe(true);
    for (const bad of [{ home: 'relative/home' }, { home: '~/.anima' }, { home: './anima' }, { home: '' }, { home: `/${'a'.repeat(4096)}` }, { home: '/a\0b' }, { home: 42 }, { home: '/a', extra: 1 }, undefined]) {
      expect(s.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(invokeSchemas().listHomes.safeParse({ all: true }).success).toBe(false);
  });

  it('openHome refuses a relative path and a home never opened, and hands a known one to the shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anima-open-home-'));
    const file = join(dir, 'known-homes.json');
    const current = join(dir, 'current');
    const other = join(dir, 'other');
    rememberHome(file, other, 'canary');
    rememberHome(file, current);
    const opened: string[] = [];
    const link = new SupervisorLink({ home: current, appVersion: '0.0.0-test', connect: async () => null });
    const handlers = createHandlers(link, {
      openDashboard: async () => {},
      showLog: async () => {},
      launchAtLogin: { get: () => false, set: () => {} },
      knownHomes: () => listKnownHomes(file),
      openHome: async (home) => void opened.push(home),
      openAnotherHome: async () => null,
    });
    try {
      expect(await handlers.openHome({ home: 'other' })).toMatchObject({ ok: false, error: { code: 'EINVALID' } });
      expect(await handlers.openHome({ home: join(dir, 'elsewhere') })).toMatchObject({ ok: false, error: { code: 'EUNKNOWNHOME' } });
      expect(opened).toEqual([]);
      expect(await handlers.openHome({ home: `${other}/` })).toEqual({ ok: true, value: null });
      expect(opened).toEqual([other]);
      const list = await handlers.listHomes(undefined);
      expect(list.ok && list.value.map((h) => [h.home, h.environment, h.current])).toEqual([[current, null, true], [other, 'canary', false]]);
    } finally {
      link.dispose();
    }
  });

  it('rejects malformed arguments', () => {
    const s = invokeSchemas();
    expect(s.stop.safeParse(undefined).success).toBe(true);
    expect(s.stop.safeParse({ force: true }).success).toBe(true);
    expect(s.stop.safeParse({ force: 'yes' }).success).toBe(false);
    expect(s.stop.safeParse({ force: true, extra: 1 }).success).toBe(false);
    expect(s.setSetting.safeParse({ key: 'runtime.registry', value: 'http://evil' }).success).toBe(false);
    expect(s.setSetting.safeParse({ key: 'channel', value: 'canary' }).success).toBe(true);
    expect(s.getLogs.safeParse({ service: '../../etc/passwd', lines: 10 }).success).toBe(false);
    expect(s.getLogs.safeParse({ service: 'web', lines: 100_000 }).success).toBe(false);
    expect(s.upgrade.safeParse({ version: '1.2.0; rm -rf /' }).success).toBe(false);
    expect(s.start.safeParse({ version: '9.9.9' }).success).toBe(false);
  });

  it('uses the same CSP in index.html as in the response header', () => {
    const html = readFileSync(join(REPO, 'renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    expect(meta).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toContain('unsafe');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/i); // no inline script
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline handlers
    expect(html).not.toMatch(/style="/i);
  });

  it('keeps Node and innerHTML out of the renderer, and the preload to require("electron") only', () => {
    for (const f of readdirSync(join(REPO, 'renderer')).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(join(REPO, 'renderer', f), 'utf8');
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      expect(src, f).not.toMatch(/from ['"](node:|electron|zod)/);
      // Code (not types) only from the renderer's own files and the dependency-free shared ones.
      for (const m of src.matchAll(/^import (?!type )/gm)) expect(src.slice(m.index!, src.indexOf(';', m.index!)), f).toMatch(/from '(\.\/[a-z-]+|\.\.\/main\/shared\/format)'/);
    }
    // Built by the global setup (scripts/build.mjs).
    const preload = readFileSync(join(REPO, 'dist/preload.cjs'), 'utf8');
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(preload.length).toBeLessThan(20_000); // no zod in the preload
    const app = readFileSync(join(REPO, 'dist/renderer/app.js'), 'utf8');
    expect(app).not.toMatch(/require\(/);
  });
});
