import { execFile } from 'node:child_process';

/**
 * Linux trays are StatusNotifierItems: a panel shows them only if something owns this
 * name on the session bus (KDE, Ubuntu's GNOME, GNOME with the AppIndicator extension,
 * XFCE, Cinnamon…). `new Tray` succeeds either way, so it can't tell.
 */
export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

/** `gdbus call` prints `(true,)`; `dbus-send --print-reply` a header, then `   boolean true`. Anything else is no answer. */
export function parseNameHasOwner(stdout: string): boolean | null {
  const m = /^\(\s*(true|false)\s*,?\s*\)$/.exec(stdout.trim()) ?? /^\s*boolean (true|false)\s*$/m.exec(stdout);
  return m ? m[1] === 'true' : null;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ missing: boolean; answer: boolean | null }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs + 500, encoding: 'utf8' }, (err, stdout) =>
      resolve({ missing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT', answer: err ? null : parseNameHasOwner(stdout) }),
    );
  });
}

/**
 * Does anyone own `name` on the session bus? Asked with gdbus (GLib's), or dbus-send where
 * gdbus isn't installed: no native module for one question. null when the answer can't be
 * had (no bus, neither tool, no reply within the timeout): callers treat it as "don't know".
 */
export async function busNameOwned(name: string, o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; tools?: ('gdbus' | 'dbus-send')[] } = {}): Promise<boolean | null> {
  const env = o.env ?? process.env;
  const timeoutMs = o.timeoutMs ?? 2000;
  const how = {
    gdbus: ['call', '--session', '--timeout', String(Math.max(1, Math.ceil(timeoutMs / 1000))), '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', name],
    'dbus-send': ['--session', '--print-reply', `--reply-timeout=${timeoutMs}`, '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
  };
  for (const tool of o.tools ?? ['gdbus', 'dbus-send']) {
    const r = await run(tool, how[tool], env, timeoutMs);
    if (!r.missing) return r.answer;
  }
  return null;
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
