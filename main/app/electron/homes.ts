import { app, dialog, type MessageBoxOptions, type OpenDialogOptions } from 'electron';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { messageOf } from '../../core/errors';
import type { Environment } from '../../shared/settings';
import type { HomeView } from '../../shared/ipc-contract';
import { instanceArgs } from '../app-args';
import { folderKind, homeViews, listKnownHomes, rememberHome } from '../known-homes';
import { log } from './app-log';
import type { AppPaths } from './app-paths';
import type { StatusWindow } from './status-window';

/**
 * One home per window: another home opens in a new instance of this app, detached, with
 * `--home`. If one already runs for that home, the new one loses the home's single-instance
 * lock, quits, and the running one comes to the front (its 'second-instance').
 */
export class Homes {
  private remembered: { environment?: Environment } | null = null;

  constructor(
    private readonly paths: AppPaths,
    private readonly statusWindow: StatusWindow,
  ) {}

  list() {
    return listKnownHomes(this.paths.knownHomesFile);
  }

  views(environment: string | undefined): HomeView[] {
    return homeViews(this.list(), this.paths.home, environment);
  }

  async openInstance(target: string): Promise<void> {
    const h = resolve(target);
    if (h === this.paths.home) return this.statusWindow.show();
    const env = { ...process.env };
    delete env.ANIMA_HOME; // --home says it; nothing else should compete
    const child = spawn(this.paths.selfExecutable, instanceArgs({ packaged: app.isPackaged, appRoot: this.paths.appRoot, home: h }), { detached: true, stdio: 'ignore', env });
    await new Promise<void>((ok, fail) => {
      child.once('spawn', ok);
      child.once('error', fail);
    });
    child.unref();
    log.info(`opened ${h} in another instance (pid ${child.pid})`);
  }

  /** A folder picker; a folder that is neither a home nor empty is confirmed first. */
  async chooseAndOpen(): Promise<string | null> {
    const parent = this.statusWindow.visible;
    const options: OpenDialogOptions = {
      title: 'Open an Anima home',
      buttonLabel: 'Open Home',
      defaultPath: dirname(this.paths.home),
      properties: ['openDirectory', 'createDirectory', 'showHiddenFiles'],
    };
    const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    if (picked.canceled || !picked.filePaths[0]) return null;
    const chosen = resolve(picked.filePaths[0]);
    if (folderKind(chosen) === 'other') {
      const confirm: MessageBoxOptions = {
        type: 'question',
        buttons: ['Use This Folder', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        message: `${chosen} is not an Anima home`,
        detail: 'It has no config.json and is not empty. Anima will add its files there (config.json, runtime, run, logs) beside what is in it.',
      };
      const r = parent ? await dialog.showMessageBox(parent, confirm) : await dialog.showMessageBox(confirm);
      if (r.response !== 0) return null;
    }
    await this.openInstance(chosen);
    return chosen;
  }

  /** Puts this instance's home first in the shared list at startup, and again when its environment is known or changes. */
  rememberOwn(environment: Environment | undefined): void {
    if (this.remembered && (environment === undefined || environment === this.remembered.environment)) return;
    this.remembered = { environment };
    try {
      rememberHome(this.paths.knownHomesFile, this.paths.home, environment);
    } catch (e) {
      log.warn(`could not update ${this.paths.knownHomesFile}: ${messageOf(e)}`);
    }
  }

  /** From the tray's Homes menu: a failure is shown, there is no window to show it in. */
  async openFromTray(target: string | undefined): Promise<void> {
    try {
      if (target === undefined) await this.chooseAndOpen();
      else await this.openInstance(target);
    } catch (e) {
      log.warn(`could not open ${target ?? 'another home'}: ${messageOf(e)}`);
      dialog.showErrorBox('Could not open the home', messageOf(e));
    }
  }
}
