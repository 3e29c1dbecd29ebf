import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Linux launch-at-login: an XDG autostart entry (setLoginItemSettings is macOS/Windows only). */
export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'autostart', 'anima-desktop.desktop');
}

/** Quotes an Exec argument as the Desktop Entry spec asks. */
function quoteArg(a: string): string {
  if (/^[A-Za-z0-9_\-./=:@]+$/.test(a)) return a;
  return `"${a.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function desktopEntry(execPath: string, args: string[]): string {
  const exec = [execPath, ...args].map(quoteArg).join(' ').replace(/%/g, '%%');
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
