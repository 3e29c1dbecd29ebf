import { BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { eventChannel, type EventName, type EventPayloads } from '../../shared/ipc-contract';
import { STATUS_PAGE_URL } from '../app-protocol';
import { statusWindowOptions } from './window-options';
import { isOwnPageSender, lockToPage } from './own-page';
import type { AppPaths } from './app-paths';

export type Section = EventPayloads['focus']['section'];

/** The status & settings window: at most one, created on demand, our renderer only. */
export class StatusWindow {
  private win: BrowserWindow | null = null;

  constructor(
    private readonly paths: AppPaths,
    /** After the window is gone (the app quits here when it has no tray to live in). */
    private readonly onClosed: () => void,
  ) {}

  /** The window, when it is open and visible: the parent of dialogs. */
  get visible(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() && this.win.isVisible() ? this.win : null;
  }

  get webContents(): WebContents | null {
    return this.win && !this.win.isDestroyed() ? this.win.webContents : null;
  }

  send<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    this.webContents?.send(eventChannel(event), payload);
  }

  show(section?: Section): void {
    const existing = this.win;
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      if (section) this.send('focus', { section });
      return;
    }
    const win = new BrowserWindow(statusWindowOptions({ preload: this.paths.preloadFile, icon: this.paths.appIcon, title: `Anima Desktop: ${this.paths.home}` }));
    this.win = win;
    lockToPage(win.webContents, STATUS_PAGE_URL);
    win.once('ready-to-show', () => {
      win.show();
      if (section) this.send('focus', { section });
    });
    win.on('closed', () => {
      this.win = null;
      this.onClosed();
    });
    void win.loadURL(STATUS_PAGE_URL);
  }

  /** Did this IPC request come from this window's own page (its main frame, our status page)? */
  isOwnSender(event: IpcMainInvokeEvent): boolean {
    return isOwnPageSender(this.webContents, event, STATUS_PAGE_URL);
  }
}
