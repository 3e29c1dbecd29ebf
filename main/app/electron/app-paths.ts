import { app } from 'electron';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { resolveHome } from '../../core/home';
import type { AppArgs } from '../app-args';

/** Where this instance's things are: its home, the app's own files, the shared appData folder. */
export interface AppPaths {
  home: string;
  /** The home was named (--home or ANIMA_HOME), so another launch must name it too. */
  explicitHome: boolean;
  /** The homes opened with the app, shared by every instance. */
  knownHomesFile: string;
  appRoot: string;
  distDir: string;
  /** What anima-app://app/ serves (app-protocol.ts): the status window's page, and the bar's in bar/. */
  pagesDir: string;
  preloadFile: string;
  /** The dashboard's update bar's own preload (BAR_METHODS only). */
  barPreloadFile: string;
  resourcesDir: string;
  appIcon?: string;
  /** What starts this app again (another home, the login item). */
  selfExecutable: string;
}

export function appPaths(args: AppArgs): AppPaths {
  const home = resolveHome(args.home);
  // The app's own folder under the OS's per-user appData: the default profile, and the same
  // folder for every instance whatever its home. known-homes.json sits here, beside the
  // per-home profile folders (home-<hash>), never inside one of them.
  const appDataDir = join(app.getPath('appData'), 'Anima Desktop');
  const appRoot = app.getAppPath();
  const distDir = join(appRoot, 'dist');
  return {
    home,
    explicitHome: args.home !== undefined || !!process.env.ANIMA_HOME,
    knownHomesFile: join(appDataDir, 'known-homes.json'),
    appRoot,
    distDir,
    pagesDir: join(distDir, 'renderer'),
    preloadFile: join(distDir, 'preload.cjs'),
    barPreloadFile: join(distDir, 'preload-bar.cjs'),
    resourcesDir: app.isPackaged ? process.resourcesPath : join(appRoot, 'resources'),
    appIcon: app.isPackaged ? undefined : join(appRoot, 'resources', 'icons', 'icon.png'),
    // In an AppImage, process.execPath is inside a temporary mount (/tmp/.mount_*) that
    // disappears when this instance quits: use the AppImage file itself ($APPIMAGE, set by its runtime).
    selfExecutable: (process.platform === 'linux' && process.env.APPIMAGE) || process.execPath,
  };
}

/**
 * One instance per home: the single-instance lock lives in the profile, so each home but the
 * default gets its own profile. The default home keeps the default one however it is named
 * (`--home ~/.anima` from the Homes menu included), or it could run in two instances.
 */
export function useProfileOfHome(home: string): void {
  if (home === resolveHome(undefined, {})) return;
  const appDataDir = join(app.getPath('appData'), 'Anima Desktop');
  app.setPath('userData', join(appDataDir, `home-${createHash('sha256').update(home).digest('hex').slice(0, 12)}`));
}
