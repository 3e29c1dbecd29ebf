import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Linux launch-at-login: an XDG autostart entry (setLoginItemSettings is macOS/Windows only). */
export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'autostart', 'anima-desktop.desktop');
}

/**
 * One argument as the Desktop Entry spec's Exec key wants it: reserved characters inside
 * double quotes, where `"`, `` ` ``, `$` and `\` take a backslash; `%` doubled, as a field
 * code would otherwise eat it.
 */
function quoteExecArg(a: string): string {
  const quoted = /^[A-Za-z0-9_\-./=:@+,]+$/.test(a) ? a : `"${a.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replace(/%/g, '%%');
}

/**
 * A value of type string in a desktop file: readers unescape `\\`, `\s`, `\n`, `\t`, `\r`
 * before anything else (and GLib refuses the whole key at any other backslash pair), so the
 * Exec quoting's backslashes are escaped once more here.
 */
function escapeStringValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/^ /, '\\s');
}

export function desktopEntry(execPath: string, args: string[]): string {
  const exec = escapeStringValue([execPath, ...args].map(quoteExecArg).join(' '));
  return ['[Desktop Entry]', 'Type=Application', 'Name=Anima Desktop', 'Comment=Keeps your local Anima runtime running', `Exec=${exec}`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

export function linuxAutostartEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const f = autostartFile(env);
  return existsSync(f) && !/^Hidden=true$/m.test(readFileSync(f, 'utf8'));
}

export function setLinuxAutostart(enabled: boolean, execPath: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const f = autostartFile(env);
  if (!enabled) {
    rmSync(f, { force: true });
    return;
  }
  mkdirSync(join(f, '..'), { recursive: true });
  writeFileSync(f, desktopEntry(execPath, args), { mode: 0o644 });
}

/**
 * macOS 13+: a login item may be registered yet wait for the user's approval, and reads as
 * off until then. In words, for the settings view; null when there is nothing to say.
 */
export function loginItemNote(status: string | undefined): string | null {
  if (status === 'requires-approval') return 'macOS needs your approval: open System Settings › General › Login Items and allow Anima Desktop.';
  if (status === 'not-found') return 'macOS could not find this app to start at login: move it to Applications and try again.';
  return null;
}
