// End to end: the dashboard window's update bar (renderer/bar, built as dist/renderer/bar) in
// real Chromium, window.animaBar bridged to the real IPC handlers with the bar's methods only,
// a real supervisor on a real home, a real registry with the reference runtime 1.0.0 and
// 1.1.0 (latest). ANIMA_DOCS_SCREENSHOTS=1 also writes the README's pictures to docs/screenshots.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { REPO, startWorld, type World } from '../helpers/world';
import type { AppState } from '../../main/shared/ipc-contract';
import { chromiumPath, freePort, launchChromium, openBridge, SCREENSHOTS, type Bridge } from './bridge';

const hasChromium = !!chromiumPath();
if (!hasChromium) console.log('[dashboard bar e2e] skipped: no Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium (apt-get install -y chromium)');

const T = { timeout: 30_000 };
const WIDTH = 1100;

/** What the bar showed, every time it changed: an upgrade runs faster than a test can look. */
interface Seen {
  kind: string;
  text: string;
  phase: string;
  value: number | null;
  max: number | null;
}

async function recordBar(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: unknown[] };
    w.__seen = [];
    const bar = document.getElementById('bar')!;
    const meter = document.getElementById('bar-meter') as HTMLProgressElement;
    const snap = () =>
      w.__seen.push({
        kind: bar.dataset.kind,
        text: document.getElementById('bar-text')!.textContent,
        phase: document.getElementById('bar-phase')!.textContent,
        value: meter.hasAttribute('value') ? meter.value : null,
        max: meter.hasAttribute('value') ? meter.max : null,
      });
    new MutationObserver(snap).observe(bar, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen);
const kind = (page: Page, k: string, timeout = 30_000) => page.locator(`[data-testid="bar"][data-kind="${k}"]`).waitFor({ timeout, state: 'attached' });

describe.skipIf(!hasChromium)('the dashboard window\'s update bar in Chromium, bridged to a real supervisor', () => {
  let world: World;
  let browser: Browser;
  let bridge: Bridge | null = null;
  let home = '';

  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  afterEach(async () => {
    await bridge?.close();
    bridge = null;
    if (home) await world.cli(['stop', '--force'], { home });
    home = '';
  });

  /** A home running 1.0.0 with the bar open on it; the offer comes from a real check. */
  async function openOnRunning(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ b: Bridge; page: Page; states: AppState[] }> {
    home = world.newHome();
    const env = { ...world.env, ANIMA_HOME: home, ANIMA_WEB_PORT: String(await freePort()), ...extraEnv };
    expect((await world.cli(['runtime', 'install', '--version', '1.0.0'], { home, env: extraEnv })).code).toBe(0);
    // The bar's upgrade shows its download; one prepared in the background has none (test/upgrade/prepare.test.ts).
    expect((await world.cli(['config', 'set', 'updates.prepare', 'false'], { home, env: extraEnv })).code).toBe(0);
    bridge = await openBridge(browser, { home, env, xdgConfigHome: mkdtempSync(join(world.tmp, 'xdg-')), page: 'bar', viewport: { width: WIDTH, height: 160 } });
    const states: AppState[] = [];
    bridge.link.on('state', (s: AppState) => states.push(s));
    // The bar has no Start: the services come up as the status window or the tray would start them.
    const started = await bridge.handlers.start(undefined);
    expect(started.ok && started.value.ok, JSON.stringify(started)).toBe(true);
    return { b: bridge, page: bridge.page, states };
  }

  /**
   * The README's picture: the bar as the window draws it, above the runtime's own page. Each
   * is a screenshot of the real thing (the bar's view, the runtime's dashboard); Chromium only
   * stacks the two images, as the window stacks the two views.
   */
  async function windowShot(b: Bridge, name: string, o: { dark?: boolean; under?: string } = {}): Promise<void> {
    const scheme = o.dark ? 'dark' : 'light';
    await b.page.emulateMedia({ colorScheme: scheme });
    const bar = (await b.page.locator('#bar').screenshot()).toString('base64');
    const under = o.under ?? (await dashboardShot(b, scheme));
    const composer = await b.page.context().newPage();
    await composer.setViewportSize({ width: WIDTH, height: 300 });
    await composer.setContent(`<body style="margin:0"><img style="display:block" src="data:image/png;base64,${bar}"><img style="display:block" src="data:image/png;base64,${under}"></body>`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, `${name}.png`);
    await composer.screenshot({ path: file, fullPage: true });
    await composer.close();
    await b.page.emulateMedia({ colorScheme: 'light' });
    if (process.env.ANIMA_DOCS_SCREENSHOTS === '1') copyFileSync(file, join(REPO, 'docs', 'screenshots', `${name}.png`));
  }

  /** The runtime's own dashboard as it is now (base64 PNG). */
  async function dashboardShot(b: Bridge, scheme: 'light' | 'dark' = 'light'): Promise<string> {
    const url = b.link.state.status?.services.web.url;
    if (!url) throw new Error('web is not running: no dashboard to draw under the bar');
    const dashboard = await b.page.context().newPage();
    await dashboard.setViewportSize({ width: WIDTH, height: 420 });
    await dashboard.emulateMedia({ colorScheme: scheme });
    await dashboard.goto(url);
    const png = (await dashboard.screenshot()).toString('base64');
    await dashboard.close();
    return png;
  }

  it('offers 1.1.0; Upgrade (from the keyboard) runs with its phases and a determinate download, then says what runs', async () => {
    const { b, page, states } = await openOnRunning();
    // Nothing to say yet: no space taken from the dashboard.
    await kind(page, 'hidden');
    await expect.poll(() => b.calls.barHeights.at(-1), T).toBe(0);

    const check = await b.handlers.checkForUpdates(undefined);
    expect(check.ok && check.value?.target).toBe('1.1.0');
    await kind(page, 'offer');
    expect(await page.getByTestId('bar-text').innerText()).toBe('Anima 1.1.0 is available');
    expect(await page.getByTestId('bar-sub').innerText()).toContain('You run 1.0.0');
    await expect.poll(() => b.calls.barHeights.at(-1), T).toBeGreaterThan(20);
    expect(b.calls.barHeights.at(-1)).toBeLessThanOrEqual(160);
    // The runtime's page as it was before the upgrade, for the picture of the upgrade in progress.
    const before = await dashboardShot(b);
    await windowShot(b, 'dashboard-bar-offer', { under: before });
    await windowShot(b, 'dashboard-bar-offer-dark', { dark: true });

    // The bar reaches only its own methods: nothing else of the API is there to call.
    expect(await page.evaluate(() => Object.keys(window.animaBar).sort())).toEqual(['getState', 'on', 'setBarHeight', 'showStatus', 'skipVersion', 'upgrade']);
    expect(await page.evaluate(() => (window as unknown as { anima?: unknown }).anima)).toBeUndefined();
    await expect(page.evaluate(() => (window as unknown as { __animaInvoke(m: string, a?: unknown): Promise<unknown> }).__animaInvoke('stop'))).rejects.toThrow(/unknown method stop/);

    // Keyboard only: Tab reaches Upgrade first, then Skip, then Details (the status window at the update).
    const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('bar-upgrade');
    expect(await page.getByTestId('bar-upgrade').getAttribute('aria-label')).toBe('Upgrade to Anima 1.1.0');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('bar-details');
    await page.keyboard.press('Enter');
    await expect.poll(() => b.calls.showStatus, T).toEqual(['update']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('bar-upgrade');
    await recordBar(page);
    await page.keyboard.press('Enter');
    await kind(page, 'outcome', 60_000);
    expect(await page.getByTestId('bar-text').innerText()).toBe('Anima 1.1.0 is running.');
    expect(await page.getByTestId('bar').getAttribute('data-tone')).toBe('ok');

    const shown = await seen(page);
    const upgrading = shown.filter((s) => s.kind === 'upgrading');
    expect(upgrading.length).toBeGreaterThan(0);
    expect(upgrading[0].text).toBe('Upgrading to Anima 1.1.0');
    const phases = new Set(upgrading.map((s) => s.phase.split(':')[0]));
    for (const p of ['Downloading', 'Switching versions', 'Verifying']) expect([...phases], p).toContain(p);
    // The download had a measure: a determinate bar, filled to its total at the end.
    const download = upgrading.filter((s) => s.phase.startsWith('Downloading') && s.max);
    expect(download.length).toBeGreaterThan(0);
    expect(download.at(-1)!.value).toBe(download.at(-1)!.max);
    expect(upgrading.some((s) => /^Verifying: \d+ checks? passed$/.test(s.phase))).toBe(true);

    // The picture of an upgrade in progress: a state the bar had mid-download, replayed as it came.
    const downloading = states.filter((s) => s.busy === 'upgrade' && s.progress.at(-1)?.step === 'downloading' && Number(s.progress.at(-1)?.data?.bytes) > 0);
    const mid = downloading.find((s) => Number(s.progress.at(-1)!.data!.bytes) < Number(s.progress.at(-1)!.data!.total)) ?? downloading.at(-1);
    const last = b.link.state;
    if (mid) {
      const emit = (s: AppState) => page.evaluate((st) => (window as unknown as { __animaEmit(e: string, p: unknown): void }).__animaEmit('state', st), s);
      await emit(mid);
      await kind(page, 'upgrading');
      await windowShot(b, 'dashboard-bar-upgrading', { under: before });
      await emit(last);
      await kind(page, 'outcome');
    }

    // Dismissed (Escape), the bar gives its space back.
    await page.keyboard.press('Escape');
    await kind(page, 'hidden');
    await expect.poll(() => b.calls.barHeights.at(-1), T).toBe(0);
    expect(b.pageErrors).toEqual([]);
  }, 120_000);

  it('explains a rollback in one line, links to the details, and does not offer the failed version again', async () => {
    const pkg = '@meetquinn/animactl-bar-broken';
    await world.publishRuntime({ name: pkg, version: '1.0.0' });
    await world.publishRuntime({ name: pkg, version: '1.1.0', web: 'wrong-version' });
    const { b, page } = await openOnRunning({ ANIMA_RUNTIME_PACKAGE: pkg });
    await b.handlers.checkForUpdates(undefined);
    await kind(page, 'offer');
    await page.getByTestId('bar-upgrade').click();
    await kind(page, 'outcome', 60_000);
    expect(await page.getByTestId('bar').getAttribute('data-tone')).toBe('warn');
    expect(await page.getByTestId('bar-text').innerText()).toMatch(/^The upgrade to 1\.1\.0 was rolled back: it failed the check "server-info"; 1\.0\.0 runs again, nothing was lost\.$/);
    await windowShot(b, 'dashboard-bar-rolled-back');
    await page.getByTestId('bar-details').click();
    expect(b.calls.showStatus).toEqual(['operation']);
    expect(b.link.state.status?.runtime.version).toBe('1.0.0');

    await page.getByTestId('bar-dismiss').click();
    // The supervisor marked 1.1.0 as failed: the bar doesn't offer it cheerfully again.
    await kind(page, 'hidden');
    expect(b.link.state.status?.update?.failedUpgrade?.version).toBe('1.1.0');
    expect(b.pageErrors).toEqual([]);
  }, 120_000);

  it('Skip this version: the offer goes away, and the supervisor remembers it', async () => {
    const { b, page } = await openOnRunning();
    await b.handlers.checkForUpdates(undefined);
    await kind(page, 'offer');
    await page.getByTestId('bar-skip').click();
    await kind(page, 'hidden');
    expect(b.link.state.status?.update).toMatchObject({ target: '1.1.0', skipped: true });
    expect(b.pageErrors).toEqual([]);
  }, 90_000);
});
