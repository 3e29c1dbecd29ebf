// Runs the real renderer (built as dist/renderer is) in real Chromium with `window.anima`
// bridged to the real IPC handlers of main/app/ipc-handlers.ts, which talk to a real
// supervisor on a real home. Only the Electron binary is missing from this picture: the
// preload's ipcRenderer.invoke is replaced by a Playwright binding, and the shell actions
// that need Electron (open a window, open a file) are recorded instead of performed.
import { createServer, type Server } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildSync } from 'esbuild';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { SupervisorLink } from '../../main/app/supervisor-link';
import { createHandlers, type Handlers, type ShellActions } from '../../main/app/ipc-handlers';
import { BAR_METHODS, EVENT_NAMES, INVOKE_METHODS, type EventName, type LogService } from '../../main/shared/ipc-contract';
import { APP_ORIGIN, resolveAppRequest } from '../../main/app/app-protocol';
import { linuxAutostartEnabled, setLinuxAutostart } from '../../main/app/autostart';
import { listKnownHomes, rememberHome } from '../../main/app/known-homes';

export const REPO = join(__dirname, '..', '..');
const pageDirs = new Map<BridgedPage, string>();
/** Which of our pages: the status window (renderer/) or the dashboard's update bar (renderer/bar/). */
export type BridgedPage = 'status' | 'bar';
const PAGES: Record<BridgedPage, { dir: string; entry: Record<string, string> }> = {
  status: { dir: 'renderer', entry: { app: 'renderer/index.ts' } },
  bar: { dir: 'renderer/bar', entry: { bar: 'renderer/bar/index.ts' } },
};

/**
 * A page exactly as scripts/build.mjs builds it into dist/renderer (same entry, same esbuild
 * options), into a private folder: other test files rebuild dist/ while these run.
 */
export function buildRenderer(which: BridgedPage = 'status'): string {
  const built = pageDirs.get(which);
  if (built) return built;
  const { dir: src, entry } = PAGES[which];
  const dir = mkdtempSync(join(tmpdir(), `anima-${which}-page-`));
  buildSync({ absWorkingDir: REPO, bundle: true, sourcemap: 'linked', logLevel: 'warning', entryPoints: entry, outdir: dir, platform: 'browser', format: 'iife', target: 'chrome120', minify: true });
  for (const f of ['index.html', 'styles.css']) cpSync(join(REPO, src, f), join(dir, f));
  pageDirs.set(which, dir);
  return dir;
}
export const SCREENSHOTS = join(REPO, 'test-results', 'screenshots');
/** The README's pictures: refreshed by a run with ANIMA_DOCS_SCREENSHOTS=1, so they show the window as it is. */
export const DOCS_SCREENSHOTS = join(REPO, 'docs', 'screenshots');

export function chromiumPath(): string | null {
  // Set (CI: Playwright's own Chromium on every system), it is used as is: a wrong path fails instead of skipping.
  if (process.env.ANIMA_CHROMIUM_PATH) return process.env.ANIMA_CHROMIUM_PATH;
  for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (existsSync(p)) return p;
  return null;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath()!,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Serves a page with the same headers the anima-app: handler sets (main/app/app-protocol.ts). */
function serveRenderer(which: BridgedPage): Promise<{ server: Server; url: string }> {
  const RENDERER_DIR = buildRenderer(which);
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html';
    if (req.method !== 'GET' || !/^[a-z-]+\.(html|js|css|map)$/.test(name) || !existsSync(join(RENDERER_DIR, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, resolveAppRequest({ url: `${APP_ORIGIN}/${name}` }, RENDERER_DIR).headers);
    res.end(readFileSync(join(RENDERER_DIR, name)));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/index.html` })));
}

export interface Bridge {
  page: Page;
  link: SupervisorLink;
  handlers: Handlers;
  /** Shell actions the renderer asked for (Electron would have performed them). */
  calls: { openDashboard: number; showLog: LogService[]; openHome: string[]; openAnotherHome: number; showStatus: string[]; barHeights: number[] };
  /** Errors the page logged (CSP violations included). */
  pageErrors: string[];
  /** docsName: also the README's picture of that name (docs/screenshots), with ANIMA_DOCS_SCREENSHOTS=1. */
  screenshot(name: string, docsName?: string): Promise<void>;
  close(): Promise<void>;
}

/** knownHomesFile: the shared list of homes (main.ts keeps it in appData); by default a fresh one beside xdgConfigHome. */
/** launchAtLogin: the platform's login item as the shell would drive it (by default, Linux's XDG autostart under xdgConfigHome). */
/** page: which of our pages, with the API its preload gives it (the bar: `window.animaBar`, BAR_METHODS only). */
export async function openBridge(browser: Browser, o: { home: string; env: NodeJS.ProcessEnv; xdgConfigHome: string; knownHomesFile?: string; launchAtLogin?: ShellActions['launchAtLogin']; page?: BridgedPage; viewport?: { width: number; height: number } }): Promise<Bridge> {
  const which = o.page ?? 'status';
  const methods: readonly string[] = which === 'bar' ? BAR_METHODS : INVOKE_METHODS;
  // From source, ensureSupervisor can't find the bundle beside main/core: point it at the build.
  process.env.ANIMA_SUPERVISOR_ENTRY ??= join(REPO, 'dist', 'supervisor.cjs');
  const { server, url } = await serveRenderer(which);
  const link = new SupervisorLink({ home: o.home, env: o.env, appVersion: '0.1.0-test', retryMs: [300, 600, 1000] });
  const calls: Bridge['calls'] = { openDashboard: 0, showLog: [], openHome: [], openAnotherHome: 0, showStatus: [], barHeights: [] };
  // As main.ts does at startup: this instance's home goes first in the shared list.
  const knownHomesFile = o.knownHomesFile ?? join(o.xdgConfigHome, 'known-homes.json');
  rememberHome(knownHomesFile, o.home);
  const autostartEnv = { XDG_CONFIG_HOME: o.xdgConfigHome };
  const handlers = createHandlers(link, {
    openDashboard: async () => void calls.openDashboard++,
    showLog: async (_file, service) => void calls.showLog.push(service),
    launchAtLogin: o.launchAtLogin ?? { get: () => linuxAutostartEnabled(autostartEnv), set: (on) => setLinuxAutostart(on, '/opt/anima-desktop/anima-desktop', ['--hidden'], autostartEnv) },
    knownHomes: () => listKnownHomes(knownHomesFile),
    // Electron would start another instance of the app for it.
    openHome: async (home) => void calls.openHome.push(home),
    openAnotherHome: async () => (calls.openAnotherHome++, null),
    // Electron would bring the status window up, and lay the dashboard out below the bar.
    showStatus: (section) => void calls.showStatus.push(section),
    setBarHeight: (height) => void calls.barHeights.push(height),
  });

  const context = await browser.newContext({ viewport: o.viewport ?? { width: 900, height: 1000 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });

  // Run under tsx (the benches), functions passed to the page carry esbuild's keepNames
  // helper `__name(...)`, which the page lacks: give it one that does nothing.
  await page.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
  // The preload's job, done by Playwright: window.anima generated from the same lists.
  await page.exposeFunction('__animaInvoke', (method: string, arg: unknown) => {
    // As main's sender check does: a page may call only what its preload gives it.
    if (!methods.includes(method)) throw new Error(`unknown method ${method}`);
    return handlers[method as keyof Handlers](arg);
  });
  await page.addInitScript(
    ({ methods, events, global }) => {
      const w = window as unknown as Record<string, unknown> & { __animaInvoke: (m: string, a: unknown) => Promise<unknown> };
      const listeners = new Map<string, Set<(p: unknown) => void>>();
      const api: Record<string, unknown> = {};
      for (const m of methods) api[m] = (arg?: unknown) => w.__animaInvoke(m, arg);
      api.on = (event: string, listener: (p: unknown) => void) => {
        if (!events.includes(event)) throw new Error(`Unknown Anima event "${event}"`);
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
        return () => listeners.get(event)!.delete(listener);
      };
      Object.defineProperty(window, '__animaEmit', { value: (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)) });
      Object.defineProperty(window, global, { value: Object.freeze(api) });
    },
    { methods: [...methods], events: EVENT_NAMES as string[], global: which === 'bar' ? 'animaBar' : 'anima' },
  );

  const forward = (event: EventName) => (payload: unknown) => {
    page.evaluate(([e, p]) => (window as unknown as { __animaEmit?: (e: string, p: unknown) => void }).__animaEmit?.(e as string, p), [event, payload] as const).catch(() => {});
  };
  for (const e of EVENT_NAMES) link.on(e, forward(e));

  await link.start();
  await page.goto(url);
  // Attached, not visible: the bar's page is empty (zero pixels tall) while it has nothing to say.
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

  return {
    page,
    link,
    handlers,
    calls,
    pageErrors,
    async screenshot(name, docsName) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      // From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
      await page.evaluate(() => window.scrollTo(0, 0));
      const png = await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
      if (docsName && process.env.ANIMA_DOCS_SCREENSHOTS === '1') writeFileSync(join(DOCS_SCREENSHOTS, `${docsName}.png`), png);
    },
    async close() {
      link.dispose();
      await context.close().catch(() => {});
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
