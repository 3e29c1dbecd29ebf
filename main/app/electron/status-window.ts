import { BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { eventChannel, type EventName, type EventPayloads } from '../../shared/ipc-contract';
import { isRendererFile } from '../navigation';
import { statusWindowOptions } from './window-options';
import { openExternalVetted } from './security';
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
    this.lockToRenderer(win.webContents);
    win.once('ready-to-show', () => {
      win.show();
      if (section) this.send('focus', { section });
    });
    win.on('closed', () => {
      this.win = null;
      this.onClosed();
    });
    // loadURL of pathToFileURL, not loadFile: loadFile leaves a `%` in the path unescaped,
    // and the URL the sender check reads back would no longer be a path.
    void win.loadURL(this.paths.rendererUrl);
  }

  /**
   * Did this IPC request come from this window's own page? The sender must be this
   * window's web contents and its top frame (not a frame inside it), showing our renderer
   * file. Identities first: a URL alone can be spelled several ways.
   */
  isOwnSender(event: IpcMainInvokeEvent): boolean {
    const wc = this.webContents;
    const frame = event.senderFrame;
    if (!wc || !frame || event.sender !== wc) return false;
    // The frame by its ids, not by wrapper object: the main frame, not one inside it.
    const main = wc.mainFrame;
    return frame.processId === main.processId && frame.routingId === main.routingId && isRendererFile(frame.url, this.paths.rendererFile);
  }

  private lockToRenderer(wc: WebContents): void {
    const file = this.paths.rendererFile;
    wc.on('will-navigate', (e, url) => {
      if (isRendererFile(url, file)) return;
      e.preventDefault();
      openExternalVetted(url);
    });
    wc.on('will-redirect', (e, url) => {
      if (!isRendererFile(url, file)) e.preventDefault();
    });
  }
}
