import { execFile } from 'node:child_process';

/**
 * Linux trays are StatusNotifierItems: a panel shows them only if something owns this
 * name on the session bus (KDE, Ubuntu's GNOME, GNOME with the AppIndicator extension,
 * XFCE, Cinnamon…). `new Tray` succeeds either way, so it can't tell.
 */
export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

/** `gdbus call` prints `(true,)` or `(false,)`; anything else is no answer. */
export function parseNameHasOwner(stdout: string): boolean | null {
  const m = /^\(\s*(true|false)\s*,?\s*\)$/.exec(stdout.trim());
  return m ? m[1] === 'true' : null;
}

/**
 * Does anyone own `name` on the session bus? Asked with gdbus (GLib's, installed wherever
 * GTK is, which Electron needs anyway); null when the answer can't be had (no bus, no
 * gdbus, no reply within the timeout), which callers treat as "don't know".
 */
export function busNameOwned(name: string, o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<boolean | null> {
  const timeoutMs = o.timeoutMs ?? 2000;
  const args = ['call', '--session', '--timeout', String(Math.max(1, Math.ceil(timeoutMs / 1000))), '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', name];
  return new Promise((resolve) => {
    execFile('gdbus', args, { env: o.env ?? process.env, timeout: timeoutMs + 500, encoding: 'utf8' }, (err, stdout) => resolve(err ? null : parseNameHasOwner(stdout)));
  });
}

/**
 * Can the user see and use the tray? Elsewhere than Linux, a Tray that was created is
 * shown. On Linux only when a StatusNotifierWatcher runs; when that can't be found out,
 * the created Tray is trusted as before.
 */
export function trayVisible(o: { platform: NodeJS.Platform; trayCreated: boolean; watcherOwned: boolean | null }): boolean {
  if (!o.trayCreated) return false;
  if (o.platform !== 'linux') return true;
  return o.watcherOwned !== false;
}
