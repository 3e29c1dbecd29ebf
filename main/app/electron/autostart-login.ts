import { app } from 'electron';
import type { ShellActions } from '../ipc-handlers';
import { instanceArgs } from '../app-args';
import { linuxAutostartEnabled, loginItemNote, setLinuxAutostart } from '../autostart';
import type { AppPaths } from './app-paths';

/** Launch at login: an XDG autostart entry on Linux, the OS's login item elsewhere. */
export function launchAtLogin(paths: AppPaths): ShellActions['launchAtLogin'] {
  const args = (): string[] => instanceArgs({ packaged: app.isPackaged, appRoot: paths.appRoot, hidden: true, ...(paths.explicitHome ? { home: paths.home } : {}) });
  return {
    get: () => (process.platform === 'linux' ? linuxAutostartEnabled() : app.getLoginItemSettings({ args: args() }).openAtLogin),
    set: (enabled) => {
      if (process.platform === 'linux') setLinuxAutostart(enabled, paths.selfExecutable, args());
      else app.setLoginItemSettings({ openAtLogin: enabled, args: args() });
    },
    // macOS 13+: registered yet waiting for the user's approval reads as off; say why.
    note: () => (process.platform === 'darwin' ? loginItemNote(app.getLoginItemSettings({ args: args() }).status) : null),
    ...(app.isPackaged ? {} : { unavailable: 'This is a development build: launch at login starts it from this checkout.' }),
  };
}
