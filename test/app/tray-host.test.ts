// Is there a tray the user can see (issue 15 #5)? The decision, pure; the D-Bus question,
// asked of a real private session bus (dbus-daemon) when one can be started here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  });
});

const tools = existsSync('/usr/bin/dbus-daemon') && spawnSync('gdbus', ['help']).error === undefined;
if (!tools) console.log('[tray-host] bus test skipped: needs dbus-daemon and gdbus (apt-get install -y dbus-daemon libglib2.0-bin)');

describe.skipIf(!tools)('asking a real session bus', () => {
  let dir: string;
  let bus: ChildProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'anima-bus-'));
    const socket = join(dir, 'bus');
    writeFileSync(
      join(dir, 'session.conf'),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
    );
    bus = spawn('dbus-daemon', ['--config-file', join(dir, 'session.conf'), '--nofork'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` };
  });

  afterAll(() => {
    bus?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no watcher on a bare bus; an owned name is seen as owned', async () => {
    expect(await busNameOwned(STATUS_NOTIFIER_WATCHER, { env })).toBe(false);
    expect(await busNameOwned('org.freedesktop.DBus', { env })).toBe(true);
  });

  it("says it doesn't know when there is no bus to ask, and doesn't wait long", async () => {
    const t = Date.now();
    expect(await busNameOwned(STATUS_NOTIFIER_WATCHER, { env: { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'nothing-here')}` } })).toBe(null);
    expect(Date.now() - t).toBeLessThan(5000);
  });
});
