import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTrayMenu, statusLine, trayTooltip, type TrayMenuItem } from '../../main/app/tray-menu';
import { homeViews } from '../../main/app/known-homes';
import { TRAY_ICON_STATES, trayIconFile, trayIconState } from '../../main/app/tray-icon';
import { appState, status } from './state-fixtures';

const REPO = join(__dirname, '..', '..');
const labels = (items: TrayMenuItem[]) => items.filter((i) => i.type !== 'separator').map((i) => i.label);
const item = (items: TrayMenuItem[], label: string) => items.find((i) => i.label === label);

describe('tray menu (pure)', () => {
  it('shows the status line of the issue', () => {
    expect(statusLine(appState(status({ active: 2 })))).toBe('Anima 1.1.0 · stable · running · 2 active');
    expect(statusLine(appState(status({ web: 'stopped' })))).toBe('Anima 1.1.0 · stable · stopped');
    expect(statusLine(appState(status({ active: 1, queued: 3, environment: 'canary' })))).toBe('Anima 1.1.0 · canary · running · 1 active · 3 queued');
    expect(statusLine(appState(status({ version: null, web: 'stopped' })))).toBe('Anima not installed · stable · stopped');
    expect(statusLine(appState(status({ operation: 'upgrade' })))).toContain('upgrade…');
  });

  it('offers Start only when stopped, Stop and Restart only when running', () => {
    const stopped = buildTrayMenu(appState(status({ web: 'stopped' })));
    expect(labels(stopped)).toContain('Start');
    expect(labels(stopped)).not.toContain('Stop');
    expect(labels(stopped)).not.toContain('Restart');
    const running = buildTrayMenu(appState(status()));
    expect(labels(running)).not.toContain('Start');
    expect(labels(running)).toEqual(expect.arrayContaining(['Stop', 'Restart']));
    const crashed = buildTrayMenu(appState(status({ agent: 'crashed' })));
    expect(labels(crashed)).toEqual(expect.arrayContaining(['Start', 'Stop', 'Restart']));
  });

  it('has the fixed items, the status line disabled, and the Quit submenu with leave-running first', () => {
    const menu = buildTrayMenu(appState(status({ active: 2 })));
    expect(menu[0]).toMatchObject({ label: 'Anima 1.1.0 · stable · running · 2 active', enabled: false });
    for (const l of ['Open Dashboard', 'Check for Updates', 'Status & Settings…', 'View Logs', 'Quit']) expect(labels(menu)).toContain(l);
    const quit = item(menu, 'Quit')!;
    expect(quit.type).toBe('submenu');
    expect(quit.submenu!.map((i) => i.label)).toEqual(['Quit and leave Anima running', 'Quit and stop Anima (drain)']);
    expect(quit.submenu![0]).toMatchObject({ isDefault: true, action: 'quit-leave-running' });
    expect(quit.submenu![1].action).toBe('quit-and-stop');
  });

  it('offers "Upgrade to V" only when an update is available and not skipped', () => {
    expect(labels(buildTrayMenu(appState(status({ update: { target: '1.2.0', available: true } }))))).toContain('Upgrade to 1.2.0');
    expect(labels(buildTrayMenu(appState(status({ update: { target: '1.2.0', available: false, skipped: true } }))))).not.toContain('Upgrade to 1.2.0');
    expect(labels(buildTrayMenu(appState(status({ update: null }))))).not.toContain('Upgrade to 1.2.0');
    const down = buildTrayMenu(appState(status({ update: { target: '1.1.0', current: '1.2.0-canary.1', downgrade: true } })));
    expect(item(down, 'Downgrade to 1.1.0…')).toMatchObject({ action: 'open-window' });
  });

  it('disables operations while one runs and says when the supervisor is not running', () => {
    const busy = buildTrayMenu(appState(status({ update: { target: '1.2.0', available: true } }), { busy: 'restart' }));
    for (const l of ['Stop', 'Restart', 'Upgrade to 1.2.0', 'Check for Updates']) expect(item(busy, l)!.enabled).toBe(false);
    expect(item(busy, 'Quit')!.submenu!.map((i) => [i.label, i.enabled])).toEqual([['Quit and leave Anima running', true], ['Quit and stop Anima (drain)', false]]);
    expect(item(buildTrayMenu(appState(status({ operation: 'upgrade' }))), 'Quit')!.submenu![1].enabled).toBe(false);
    expect(item(busy, 'Open Dashboard')!.enabled).toBe(true);
    const offline = buildTrayMenu(appState(status({ web: 'stopped' }), { connection: 'not-running' }));
    expect(labels(offline)).toContain('Supervisor not running');
    expect(item(offline, 'Start')!.enabled).toBe(true);
  });

  it('lists the known homes in a Homes submenu: this one checked and disabled, the others open their own instance', () => {
    const known = [
      { home: '/home/u/work/anima-dev', environment: 'development' as const, lastOpenedAt: '' },
      { home: '/home/u/.anima', environment: 'stable' as const, lastOpenedAt: '' },
      { home: '/srv/shared/anima', lastOpenedAt: '' },
    ];
    const state = appState(status({ environment: 'canary' }));
    const menu = buildTrayMenu(state, homeViews(known, state.home, state.status!.environment, '/home/u'));
    const homes = item(menu, 'Homes')!;
    expect(homes.type).toBe('submenu');
    // Placed with the window items, before Quit.
    expect(labels(menu).indexOf('Homes')).toBeGreaterThan(labels(menu).indexOf('View Logs'));
    expect(labels(menu).indexOf('Homes')).toBeLessThan(labels(menu).indexOf('Quit'));
    const sub = homes.submenu!;
    expect(sub.map((i) => (i.type === 'separator' ? '---' : i.label))).toEqual(['development · ~/work/anima-dev', 'canary · ~/.anima', '/srv/shared/anima', '---', 'Open Another Home…']);
    expect(sub[1]).toMatchObject({ type: 'checkbox', checked: true, enabled: false });
    expect(sub[1].action).toBeUndefined();
    expect(sub[0]).toMatchObject({ action: 'open-home', home: '/home/u/work/anima-dev', enabled: true });
    expect(sub[0].checked).toBeUndefined();
    expect(sub[2]).toMatchObject({ action: 'open-home', home: '/srv/shared/anima' });
    expect(sub[4]).toMatchObject({ action: 'open-another-home', enabled: true });
    // Busy with an operation: switching homes opens another window, so it stays available.
    const busy = buildTrayMenu(appState(status(), { busy: 'upgrade' }), homeViews(known, '/home/u/.anima', 'stable', '/home/u'));
    expect(item(busy, 'Homes')!.submenu![0].enabled).toBe(true);
    // With no list yet, the picker is still there.
    expect(item(buildTrayMenu(state), 'Homes')!.submenu!.map((i) => i.label)).toEqual(['Open Another Home…']);
  });

  it('names the home in the tooltip, and a development home loudly', () => {
    expect(trayTooltip(appState(status()))).toContain('Home: /home/u/.anima');
    expect(trayTooltip(appState(status({ environment: 'development' })))).toContain('DEVELOPMENT');
    expect(trayTooltip(appState(status(), { connection: 'not-running' }))).toContain('supervisor not running');
  });
});

describe('tray icon (pure) and the generated icon files', () => {
  it('maps state to running / stopped / attention', () => {
    expect(trayIconState(appState(status()))).toBe('running');
    expect(trayIconState(appState(status({ web: 'stopped' })))).toBe('stopped');
    expect(trayIconState(appState(null, { connection: 'not-running' }))).toBe('stopped');
    expect(trayIconState(appState(status({ agent: 'crashed' })))).toBe('attention');
    expect(trayIconState(appState(status({ update: { target: '1.2.0', available: true } })))).toBe('attention');
    expect(trayIconState(appState(status({ operation: 'upgrade' })))).toBe('attention');
    expect(trayIconState(appState(status(), { busy: 'upgrade to 1.0.0' }))).toBe('attention');
  });

  const pngSize = (file: string) => {
    const b = readFileSync(file);
    expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    return { w: b.readUInt32BE(16), h: b.readUInt32BE(20) };
  };

  it.each(TRAY_ICON_STATES)('has %s icons for every platform, at the right sizes', (state) => {
    const res = join(REPO, 'resources');
    const linux = trayIconFile(res, state, 'linux');
    expect(pngSize(linux)).toEqual({ w: 22, h: 22 });
    expect(pngSize(linux.replace('.png', '@2x.png'))).toEqual({ w: 44, h: 44 });
    const mac = trayIconFile(res, state, 'darwin');
    expect(mac).toMatch(/Template\.png$/);
    expect(pngSize(mac)).toEqual({ w: 18, h: 18 });
    expect(pngSize(mac.replace('.png', '@2x.png'))).toEqual({ w: 36, h: 36 });
    const win = readFileSync(trayIconFile(res, state, 'win32'));
    expect(win.readUInt16LE(2)).toBe(1); // ICO type
    expect(win.readUInt16LE(4)).toBeGreaterThanOrEqual(2);
  });

  it('has the app icon (512 px PNG and a multi-size ICO)', () => {
    expect(pngSize(join(REPO, 'resources/icons/icon.png'))).toEqual({ w: 512, h: 512 });
    const ico = readFileSync(join(REPO, 'resources/icons/icon.ico'));
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(REPO, 'scripts/make-icons.mjs'))).toBe(true);
  });
});
