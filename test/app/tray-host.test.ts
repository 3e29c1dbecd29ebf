// Is there a tray the user can see (issue 15 #5)? The decision, pure; the D-Bus question,
// asked of a real private session bus (dbus-daemon) when one can be started here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { canStartSessionBus, startSessionBus } from '../helpers/session-bus';
import { busNameOwned, parseNameHasOwner, STATUS_NOTIFIER_WATCHER, trayVisible } from '../../main/app/tray-host';
import { showWindowOnLaunch } from '../../main/app/app-args';

describe('a tray the user can see', () => {
  it('on Linux only with a StatusNotifierWatcher; elsewhere when the Tray was created', () => {
    // GNOME without the AppIndicator extension: the Tray is "created", nobody shows it.
    expect(trayVisible({ platform: 'linux', trayCreated: true, watcherOwned: false })).toBe(false);
    // Ubuntu's GNOME, KDE, XFCE…: a watcher runs.
    expect(trayVisible({ platform: 'linux', trayCreated: true, watcherOwned: true })).toBe(true);
    // The bus couldn't be asked: trust the created Tray.
    expect(trayVisible({ platform: 'linux', trayCreated: true, watcherOwned: null })).toBe(true);
    expect(trayVisible({ platform: 'linux', trayCreated: false, watcherOwned: true })).toBe(false);
    expect(trayVisible({ platform: 'darwin', trayCreated: true, watcherOwned: null })).toBe(true);
    expect(trayVisible({ platform: 'win32', trayCreated: false, watcherOwned: null })).toBe(false);
  });

  it('opens the window at a hidden login only when no tray can be seen (whatever the desktop is called)', () => {
    const at = (watcherOwned: boolean | null) => showWindowOnLaunch({ hidden: true, trayVisible: trayVisible({ platform: 'linux', trayCreated: true, watcherOwned }) });
    expect(at(true)).toBe(false); // Ubuntu (XDG_CURRENT_DESKTOP=ubuntu:GNOME) shows trays: stay hidden
    expect(at(false)).toBe(true);
  });

  it('reads gdbus answers and nothing else', () => {
    expect(parseNameHasOwner('(true,)\n')).toBe(true);
    expect(parseNameHasOwner('(false,)\n')).toBe(false);
    expect(parseNameHasOwner('')).toBe(null);
    expect(parseNameHasOwner('Error: GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown')).toBe(null);
    expect(parseNameHasOwner('method return time=1.5 sender=org.freedesktop.DBus -> destination=:1.0 serial=3 reply_serial=2\n   boolean true\n')).toBe(true);
    expect(parseNameHasOwner('method return time=1.5 sender=org.freedesktop.DBus -> destination=:1.0 serial=3 reply_serial=2\n   boolean false\n')).toBe(false);
  });
});

const has = (tool: string) => spawnSync(tool, ['--help']).error === undefined;
const tools = canStartSessionBus() && (has('gdbus') || has('dbus-send'));
if (!tools) console.log('[tray-host] bus test skipped: needs dbus-daemon and gdbus or dbus-send (apt-get install -y dbus-daemon libglib2.0-bin)');

describe.skipIf(!tools)('asking a real session bus', () => {
  let bus: Awaited<ReturnType<typeof startSessionBus>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    bus = await startSessionBus();
    env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address };
  });

  afterAll(() => bus?.stop());

  it('no watcher on a bare bus; an owned name is seen as owned; with gdbus and with dbus-send', async () => {
    for (const tool of (['gdbus', 'dbus-send'] as const).filter(has)) {
      expect(await busNameOwned(STATUS_NOTIFIER_WATCHER, { env, tools: [tool] }), tool).toBe(false);
      expect(await busNameOwned('org.freedesktop.DBus', { env, tools: [tool] }), tool).toBe(true);
    }
    // Neither tool installed: don't know.
    expect(await busNameOwned('org.freedesktop.DBus', { env: { ...env, PATH: bus.dir } })).toBe(null);
  });

  it("says it doesn't know when there is no bus to ask, and doesn't wait long", async () => {
    for (const tool of (['gdbus', 'dbus-send'] as const).filter(has)) {
      const t = Date.now();
      expect(await busNameOwned(STATUS_NOTIFIER_WATCHER, { env: { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(bus.dir, 'nothing-here')}` }, tools: [tool] }), tool).toBe(null);
      expect(Date.now() - t).toBeLessThan(5000);
    }
  });
});
