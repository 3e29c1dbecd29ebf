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
}

describe.skipIf(!electron.path)('the Electron app (Playwright _electron)', () => {
  let world: World;
  let app: ElectronApplication | null = null;
  let xvfb: ChildProcess | null = null;
  let display = process.env.DISPLAY;
  const home = () => join(world.tmp, 'electron-home');

  beforeAll(async () => {
    world = await startWorld();
    if (!display && spawnSync('which', ['Xvfb']).status === 0) {
      display = ':97';
      xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close().catch(() => {});
    await world.cli(['stop', '--force'], { home: home() });
    xvfb?.kill();
    await world.close();
  });

  it('opens the status window for its home and drives the tray menu', async (ctx) => {
    if (!display && process.platform === 'linux') {
      console.log('[electron e2e] skipped: no DISPLAY and no Xvfb (apt-get install -y xvfb)');
      ctx.skip();
    }
    app = await _electron.launch({
      executablePath: electron.path!,
      args: [REPO, '--home', home()],
      env: { ...world.env, ANIMA_TEST_HOOKS: '1', ANIMA_WEB_PORT: String(await freePort()), ...(display ? { DISPLAY: display } : {}) } as Record<string, string>,
    });
    const win = await app.firstWindow();
    await win.waitForSelector('body[data-ready="true"]');
    expect(await win.getByTestId('home').textContent()).toBe(home());
    // The preload's API exists and Node does not.
    expect(await win.evaluate(() => typeof window.anima.getState)).toBe('function');
    expect(await win.evaluate(() => typeof (globalThis as Record<string, unknown>).require)).toBe('undefined');

    const menu = () => app!.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).menuTemplate());
    const labels = (await menu()).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['Open Dashboard', 'Start', 'Check for Updates', 'Status & Settings…', 'View Logs', 'Quit > Quit and leave Anima running', 'Quit > Quit and stop Anima (drain)']));

    await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Start'));
    await win.locator('[data-testid="svc-web"][data-state="running"]').waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await menu()).map((i) => i.label), { timeout: 10_000 }).toContain('Stop');
    expect((await menu())[0].label).toMatch(/^Anima 1\.1\.0 · stable · running/);

    await app.evaluate(() => ((globalThis as Record<string, unknown>).__animaTest as Hooks).clickMenu('Stop'));
    await win.locator('[data-testid="svc-web"][data-state="stopped"]').waitFor({ timeout: 30_000 });
  }, 90_000);
});
