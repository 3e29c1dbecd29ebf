// The whole app through Playwright's Electron support: runs only where an Electron binary
// is installed (`require('electron')` then returns its path). Where it isn't (this
// machine installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1), it skips and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright';
import { startWorld, type World } from '../helpers/world';
import { freePort } from '../renderer/bridge';
import { canStartSessionBus, startSessionBus } from '../helpers/session-bus';

const REPO = join(__dirname, '..', '..');

function electronBinary(): { path: string | null; reason: string } {
  try {
    const p = createRequire(__filename)('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p, reason: '' };
    return { path: null, reason: `require('electron') returned ${JSON.stringify(p)}, not an existing binary` };
  } catch (e) {
    return { path: null, reason: `require('electron') threw: ${(e as Error).message.split('\n')[0]}` };
  }
}

const electron = electronBinary();
// CI sets this where Electron is installed: there a skip would hide that the suite never ran.
if (!electron.path && process.env.ANIMA_REQUIRE_ELECTRON === '1') throw new Error(`ANIMA_REQUIRE_ELECTRON=1 but there is no Electron binary: ${electron.reason}`);
if (!electron.path) console.log(`[electron e2e] skipped: no Electron binary (${electron.reason}). Install it without ELECTRON_SKIP_BINARY_DOWNLOAD to run this test.`);

interface Hooks {
  menuTemplate(): { label: string; enabled: boolean }[];
  clickMenu(label: string): Promise<void>;
  hasTray(): boolean;
  notifications(): { key: string; title: string; body: string }[];
}

describe.skipIf(!electron.path)('the Electron app (Playwright _electron)', () => {
  let world: World;
  const apps: ElectronApplication[] = [];
  const homes: string[] = [];
  let xvfb: ChildProcess | null = null;
  let display = process.env.DISPLAY;

  beforeAll(async () => {
    world = await startWorld();
    if (!display && spawnSync('which', ['Xvfb']).status === 0) {
      display = ':97';
      xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 60_000);

  afterAll(async () => {
    for (const a of apps) await a.close().catch(() => {});
    for (const h of homes) await world.cli(['stop', '--force'], { home: h });
    xvfb?.kill();
    await world.close();
  });

  /**
   * One app per test, each on its own home (one instance per home). The session bus is
   * pointed nowhere unless given: the tray host can't be asked, so the created Tray counts,
   * whatever the machine's desktop is.
   */
  async function launch(o: { args?: string[]; env?: Record<string, string> } = {}): Promise<{ app: ElectronApplication; home: string }> {
    const home = world.newHome();
    homes.push(home);
    const app = await _electron.launch({
      executablePath: electron.path!,
      args: [REPO, '--home', home, ...(o.args ?? [])],
      env: { ...world.env, ANIMA_TEST_HOOKS: '1', ANIMA_WEB_PORT: String(await freePort()), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/anima-test-bus', ...(display ? { DISPLAY: display } : {}), ...o.env } as Record<string, string>,
    });
    apps.push(app);
    return { app, home };
  }

  const needsDisplay = (ctx: { skip(): void }) => {
    if (!display && process.platform === 'linux') {
      console.log('[electron e2e] skipped: no DISPLAY and no Xvfb (apt-get install -y xvfb)');
      ctx.skip();
    }
  };

  it('opens the status window for its home and drives the tray menu', async (ctx) => {
    needsDisplay(ctx);
    const { app, home } = await launch();
    const win = await app.firstWindow();
    await win.waitForSelector('body[data-ready="true"]');
    expect(await win.getByTestId('home').textContent()).toBe(home);
    // Issue 15 #13: the title keeps the home.
    expect(await win.title()).toContain(home);
    // The preload's API exists and Node does not; the window's own calls pass the sender check (#9).
    expect(await win.evaluate(() => typeof window.anima.getState)).toBe('function');
    expect(await win.evaluate(() => typeof (globalThis as Record<string, unknown>).require)).toBe('undefined');
    expect(await win.evaluate(async () => (await window.anima.getState()).home)).toBe(home);

    const menu = () => app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).menuTemplate());
    const labels = (await menu()).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['Open Dashboard', 'Start', 'Check for Updates', 'Status & Settings…', 'View Logs', 'Quit > Quit and leave Anima running', 'Quit > Quit and stop Anima (drain)']));

    await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Start'));
    await win.locator('[data-testid="svc-web"][data-state="running"]').waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await menu()).map((i) => i.label), { timeout: 10_000 }).toContain('Stop');
    expect((await menu())[0].label).toMatch(/^Anima 1\.1\.0 · stable · running/);

    // #10: Check for Updates from the tray always answers, up to date included.
    await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Check for Updates'));
    expect((await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).notifications())).map((n) => n.title)).toContain('Anima is up to date');

    await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Stop'));
    await win.locator('[data-testid="svc-web"][data-state="stopped"]').waitFor({ timeout: 30_000 });
  }, 90_000);

  it('comes back on activate (macOS: opened again from Finder or the Dock) after its window was closed (#4)', async (ctx) => {
    needsDisplay(ctx);
    const { app } = await launch();
    const win = await app.firstWindow();
    await win.waitForSelector('body[data-ready="true"]');
    expect(await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).hasTray())).toBe(true);
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().forEach((w) => w.close()));
    await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(0);
    const again = app.waitForEvent('window');
    await app.evaluate(({ app: electronApp }) => electronApp.emit('activate'));
    await (await again).waitForSelector('body[data-ready="true"]');
  }, 90_000);

  it('quits "and stops" only after the services stopped (#3)', async (ctx) => {
    needsDisplay(ctx);
    const { app, home } = await launch();
    const win = await app.firstWindow();
    await win.waitForSelector('body[data-ready="true"]');
    await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Start'));
    await win.locator('[data-testid="svc-web"][data-state="running"]').waitFor({ timeout: 30_000 });
    const closed = app.waitForEvent('close');
    void app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Quit and stop Anima (drain)')).catch(() => {});
    await closed;
    const r = await world.cli(['status', '--json'], { home });
    expect(JSON.parse(r.stdout).services.web.state).toBe('stopped');
  }, 90_000);

  it.skipIf(!canStartSessionBus())('with a session bus but no StatusNotifierWatcher (GNOME without the extension): no tray, so --hidden still shows the window (#5)', async (ctx) => {
    needsDisplay(ctx);
    const bus = await startSessionBus();
    try {
      const { app } = await launch({ args: ['--hidden'], env: { DBUS_SESSION_BUS_ADDRESS: bus.address } });
      const win = await app.firstWindow();
      await win.waitForSelector('body[data-ready="true"]');
      expect(await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).hasTray())).toBe(false);
    } finally {
      bus.stop();
    }
  }, 90_000);
});
