import { BrowserWindow } from 'electron';
import type { SupervisorLink } from '../supervisor-link';
import { dashboardAction, isSameOrigin } from '../navigation';
import { dashboardUnavailableHtml, dataUrl } from '../dashboard-page';
import { dashboardWindowOptions } from './window-options';
import { openExternalVetted } from './security';
import { log } from './app-log';
import type { AppPaths } from './app-paths';

/**
 * The runtime's own dashboard (a web page on loopback) in a window of its own: no preload,
 * its own session, navigation held to the dashboard's origin. When web isn't answering it
 * shows a local page whose buttons are anima-desktop:// links caught here.
 */
export class DashboardWindow {
  private win: BrowserWindow | null = null;
  private showsPlaceholder = false;

  constructor(
    private readonly paths: AppPaths,
    private readonly link: SupervisorLink,
    private readonly actions: { start(): Promise<void>; showStatus(): void },
  ) {}

  private url(): string | null {
    return this.link.state.status?.services.web.url ?? null;
  }

  private webRunning(): boolean {
    return this.link.state.status?.services.web.state === 'running';
  }

  private alive(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  private showPlaceholder(reason: string, starting = false): void {
    const win = this.alive();
    if (!win) return;
    this.showsPlaceholder = true;
    void win.loadURL(dataUrl(dashboardUnavailableHtml({ url: this.url() ?? 'http://127.0.0.1', reason, home: this.paths.home, starting })));
  }

  private load(): void {
    const win = this.alive();
    if (!win) return;
    const url = this.url();
    if (!url || !this.webRunning()) {
      const web = this.link.state.status?.services.web.state ?? 'stopped';
      this.showPlaceholder(this.link.state.connection === 'not-running' ? 'Anima is not running.' : `The web service is ${web}.`, web === 'starting');
      return;
    }
    this.showsPlaceholder = false;
    void win.loadURL(url);
  }

  async open(): Promise<void> {
    const existing = this.alive();
    if (existing) {
      existing.show();
      existing.focus();
      if (this.showsPlaceholder) this.load();
      return;
    }
    const win = new BrowserWindow(dashboardWindowOptions({ icon: this.paths.appIcon }));
    this.win = win;
    const wc = win.webContents;
    const guard = (e: { preventDefault(): void }, url: string) => {
      const action = dashboardAction(url);
      if (action) {
        e.preventDefault();
        if (action === 'start') void this.startFromPlaceholder();
        else if (action === 'retry') this.load();
        else this.actions.showStatus();
        return;
      }
      const allowed = this.url();
      if (allowed && isSameOrigin(url, allowed)) return;
      if (url.startsWith('data:text/html') && this.showsPlaceholder) return;
      e.preventDefault();
      openExternalVetted(url);
    };
    wc.on('will-navigate', guard);
    wc.on('will-redirect', guard);
    wc.on('did-fail-load', (_e, code, description, url, isMainFrame) => {
      if (!isMainFrame || code === -3) return; // -3: aborted by our own navigation
      log.warn(`dashboard failed to load ${url}: ${description} (${code})`);
      this.showPlaceholder(`The dashboard at ${url} did not answer (${description}).`);
    });
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => (this.win = null));
    this.load();
  }

  /** On every state push: a placeholder gives way to the dashboard once web runs. */
  onState(): void {
    if (this.alive() && this.showsPlaceholder && this.webRunning()) this.load();
  }

  private async startFromPlaceholder(): Promise<void> {
    this.showPlaceholder('Starting the services…', true);
    await this.actions.start();
    this.load();
  }
}
