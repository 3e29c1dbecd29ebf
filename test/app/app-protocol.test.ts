// The anima-app: scheme's decisions, in Node: what the handler in main/app/electron/app-scheme.ts
// serves from dist/renderer, with which headers, and what it refuses.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { APP_MIME_TYPES, BAR_PAGE_URL, resolveAppRequest, STATUS_PAGE_URL } from '../../main/app/app-protocol';
import { RENDERER_CSP } from '../../main/app/csp';
import { testHooksEnabled } from '../../main/app/app-args';
import { REPO } from '../helpers/world';

const root = join(REPO, 'dist', 'renderer');

describe('anima-app://app/ (our pages, instead of file://)', () => {
  it('serves the status window and the bar from dist/renderer, with the CSP as a header', () => {
    const status = resolveAppRequest({ url: STATUS_PAGE_URL }, root);
    expect(status).toMatchObject({ status: 200, file: join(root, 'index.html') });
    const bar = resolveAppRequest({ url: BAR_PAGE_URL, method: 'GET' }, root);
    expect(bar).toMatchObject({ status: 200, file: join(root, 'bar', 'index.html') });
    for (const r of [status, bar]) {
      expect(r.headers['Content-Type']).toBe('text/html; charset=utf-8');
      expect(r.headers['Content-Security-Policy']).toBe(RENDERER_CSP);
      expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    }
    // The root is the status page; a query or a fragment changes nothing.
    expect(resolveAppRequest({ url: 'anima-app://app/' }, root)).toMatchObject({ status: 200, file: join(root, 'index.html') });
    expect(resolveAppRequest({ url: `${STATUS_PAGE_URL}?x=1#operation` }, root)).toMatchObject({ status: 200, file: join(root, 'index.html') });
    // Built by the global setup: the files the pages name exist where the handler looks.
    for (const f of ['index.html', 'app.js', 'styles.css', 'bar/index.html', 'bar/bar.js', 'bar/styles.css']) {
      const r = resolveAppRequest({ url: `anima-app://app/${f}` }, root);
      expect(r.status, f).toBe(200);
      expect(existsSync((r as { file: string }).file), f).toBe(true);
    }
  });

  it('gives each kind of file its MIME type, and refuses the kinds it does not know', () => {
    const type = (p: string) => resolveAppRequest({ url: `anima-app://app/${p}` }, root).headers['Content-Type'];
    expect(type('app.js')).toBe('text/javascript; charset=utf-8');
    expect(type('bar/styles.css')).toBe('text/css; charset=utf-8');
    expect(type('icon.PNG')).toBe('image/png');
    expect(type('logo.svg')).toBe('image/svg+xml');
    expect(type('app.js.map')).toBe('application/json; charset=utf-8');
    for (const p of ['preload.cjs', 'notes.txt', 'README', 'app.exe', 'data.json']) expect(resolveAppRequest({ url: `anima-app://app/${p}` }, root).status, p).toBe(404);
    expect(Object.keys(APP_MIME_TYPES).sort()).toEqual(['.css', '.html', '.js', '.map', '.png', '.svg']);
  });

  it('never serves anything outside dist/renderer, however the path is spelled', () => {
    const attempts = [
      'anima-app://app/../preload.cjs',
      'anima-app://app/../../package.json',
      'anima-app://app/%2e%2e/%2e%2e/package.json',
      'anima-app://app/%2E%2E/supervisor.cjs.map',
      'anima-app://app/bar/..%2F..%2Fpreload.cjs.map',
      'anima-app://app/..%5C..%5Cpackage.json',
      'anima-app://app/bar%2F..%2F..%2Findex.html',
      'anima-app://app/%2Fetc%2Fpasswd.html',
      'anima-app://app//etc/passwd.html',
      'anima-app://app/C:%5CWindows%5Cwin.ini.html',
      'anima-app://app/index.html%00.js',
      'anima-app://app/.hidden.html',
      'anima-app://app/%E0%A4%A.html',
    ];
    for (const url of attempts) {
      const r = resolveAppRequest({ url }, root);
      if (r.status === 200) expect(r.file.startsWith(root + sep), url).toBe(true);
      else expect([400, 403, 404], url).toContain(r.status);
    }
    // The URL parser folds dot segments first: these name files inside the folder, or nothing.
    expect(resolveAppRequest({ url: 'anima-app://app/../../package.json' }, root).status).toBe(404);
    expect(resolveAppRequest({ url: 'anima-app://app/%2e%2e/%2e%2e/index.html' }, root)).toMatchObject({ status: 200, file: join(root, 'index.html') });
    expect(resolveAppRequest({ url: 'anima-app://app/bar/..%2F..%2Findex.html' }, root).status).toBe(403);
    expect(resolveAppRequest({ url: 'anima-app://app/..%5C..%5Cindex.html' }, root).status).toBe(403);
    expect(resolveAppRequest({ url: 'anima-app://app/.hidden.html' }, root).status).toBe(403);
    expect(resolveAppRequest({ url: 'anima-app://app/%E0%A4%A.html' }, root).status).toBe(400);
  });

  it('answers only GET and HEAD, only for its own host, and only without credentials', () => {
    expect(resolveAppRequest({ url: STATUS_PAGE_URL, method: 'HEAD' }, root).status).toBe(200);
    expect(resolveAppRequest({ url: STATUS_PAGE_URL, method: 'POST' }, root).status).toBe(405);
    expect(resolveAppRequest({ url: 'anima-app://other/index.html' }, root).status).toBe(403);
    expect(resolveAppRequest({ url: 'anima-app://user:pw@app/index.html' }, root).status).toBe(403);
    expect(resolveAppRequest({ url: 'file:///etc/passwd' }, root).status).toBe(403);
    expect(resolveAppRequest({ url: 'not a url' }, root).status).toBe(400);
  });

  it("uses the same CSP in the bar's page as in the header", () => {
    const html = readFileSync(join(REPO, 'renderer/bar/index.html'), 'utf8');
    expect(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]).toBe(RENDERER_CSP);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/style="/i);
  });
});

describe('test-only knobs', () => {
  it('ANIMA_TEST_HOOKS does nothing in a packaged app', () => {
    expect(testHooksEnabled({ packaged: false, env: { ANIMA_TEST_HOOKS: '1' } })).toBe(true);
    expect(testHooksEnabled({ packaged: true, env: { ANIMA_TEST_HOOKS: '1' } })).toBe(false);
    expect(testHooksEnabled({ packaged: false, env: {} })).toBe(false);
    expect(testHooksEnabled({ packaged: false, env: { ANIMA_TEST_HOOKS: 'true' } })).toBe(false);
  });
});
