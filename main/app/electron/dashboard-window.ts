import { BrowserWindow, type Event, type WebContentsWillNavigateEventParams } from 'electron';
import type { SupervisorLink } from '../supervisor-link';
import { dashboardNavigation, DashboardReloads, webIdentity } from '../dashboard-policy';
import { dashboardUnavailableHtml, dataUrl } from '../dashboard-page';
import { dashboardWindowOptions } from './window-options';
import { openExternalVetted } from './security';
import { log } from './app-log';
import type { AppPaths } from './app-paths';

/**
 * The runtime's own dashboard (a web page on loopback) in a window of its own: no preload,
 * its own session, the main frame held to the dashboard's origin. When web isn't answering
 * it shows a local page whose buttons are anima-desktop:// links caught here.
 */
export class DashboardWindow {
  private win: BrowserWindow | null = null;
  private showing: 'nothing' | 'placeholder' | 'dashboard' = 'nothing';
  private readonly reloads = new DashboardReloads();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly paths: AppPaths,
    private readonly link: SupervisorLink,
    private readonly actions: { start(): Promise<void>; showStatus(): void },
  ) {}

  private url(): string | null {
    return this.link.state.status?.services.web.url ?? null;
  }

  private alive(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  /** Failures arrive as did-fail-load; the window was created hidden and must appear whatever loads. */
  private navigate(url: string): void {
    const win = this.alive();
    if (!win) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    win.loadURL(url).then(
      () => !win.isDestroyed() && !win.isVisible() && win.show(),
      () => {},
    );
  }

  private showPlaceholder(reason: string, starting = false): void {
    this.showing = 'placeholder';
    this.navigate(dataUrl(dashboardUnavailableHtml({ url: this.url() ?? 'http://127.0.0.1', reason, home: this.paths.home, starting })));
  }

  /** Until it has loaded, the window counts as showing nothing: a redirect away then gets the placeholder. */
  private loadDashboard(url: string): void {
    this.showing = 'nothing';
    this.navigate(url);
  }

  private placeholderForState(): void {
    const web = this.link.state.status?.services.web.state ?? 'stopped';
    this.showPlaceholder(this.link.state.connection === 'not-running' ? 'Anima is not running.' : `The web service is ${web}.`, web === 'starting');
  }

  /** Loads what the state calls for, if it changed: the dashboard of the web that runs now, or the placeholder. */
  private sync(): void {
    const decision = this.reloads.onState(webIdentity(this.link.state.status));
    const url = this.url();
    if (decision === 'load' && url) this.loadDashboard(url);
    else if (decision === 'placeholder') this.placeholderForState();
  }

  async open(): Promise<void> {
    const existing = this.alive();
    if (existing) {
      existing.show();
      existing.focus();
      if (this.showing !== 'dashboard') this.retry();
      return;
    }
    const win = new BrowserWindow(dashboardWindowOptions({ icon: this.paths.appIcon }));
    this.win = win;
    this.showing = 'nothing';
    const wc = win.webContents;
    const guard = (redirect: boolean) => (e: Event<WebContentsWillNavigateEventParams>) => {
      const d = dashboardNavigation({ url: e.url, isMainFrame: e.isMainFrame, redirect, dashboardUrl: this.url(), showing: this.showing });
      if (d.kind === 'allow') return;
      e.preventDefault();
      if (d.kind === 'action') {
        if (d.action === 'start') void this.startFromPlaceholder();
        else if (d.action === 'retry') this.retry();
        else this.actions.showStatus();
        return;
      }
      log.warn(`dashboard window: refused ${redirect ? 'a redirect' : 'a navigation'} to ${e.url}`);
      if (d.external) openExternalVetted(e.url);
      if (d.placeholder) this.showPlaceholder(`The dashboard sent the window to ${e.url}, which is not its own address (${this.url() ?? 'unknown'}).`);
    };
    wc.on('will-navigate', guard(false));
    wc.on('will-redirect', guard(true));
    wc.on('did-finish-load', () => {
      if (this.showing === 'placeholder') return;
      this.showing = 'dashboard';
      this.reloads.loaded();
    });
    wc.on('did-fail-load', (_e, code, description, url, isMainFrame) => {
      if (!isMainFrame || code === -3) return; // -3: aborted, by our guard or our own next load
      log.warn(`dashboard failed to load ${url}: ${description} (${code})`);
      this.showPlaceholder(`The dashboard at ${url} did not answer (${description}).`);
      const delay = this.reloads.retryDelayMs();
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        const again = this.url();
        if (again && webIdentity(this.link.state.status)) this.loadDashboard(again);
      }, delay);
    });
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.win = null;
    });
    this.reloads.forget();
    this.sync();
  }

  /** On every state push: a load only when web came up, went, or restarted. */
  onState(): void {
    if (this.alive()) this.sync();
  }

  private retry(): void {
    this.reloads.forget();
    this.sync();
  }

  private async startFromPlaceholder(): Promise<void> {
    this.showPlaceholder('Starting the services…', true);
    await this.actions.start();
    this.retry();
  }
}
