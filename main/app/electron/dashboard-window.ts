import { app, BaseWindow, WebContentsView, type Event, type IpcMainInvokeEvent, type WebContentsWillNavigateEventParams } from 'electron';
import type { SupervisorLink } from '../supervisor-link';
import { dashboardNavigation, DashboardReloads, webIdentity } from '../dashboard-policy';
import { dashboardUnavailableHtml, dataUrl } from '../dashboard-page';
import { BAR_PAGE_URL } from '../app-protocol';
import { embeddedUserAgent } from '../../shared/embedded';
import { loopbackDashboardUrl } from '../../shared/dashboard-url';
import { eventChannel, type EventName, type EventPayloads } from '../../shared/ipc-contract';
import { barPreferences, dashboardPagePreferences, dashboardWindowOptions } from './window-options';
import { openExternalVetted } from './security';
import { isOwnPageSender, lockToPage } from './own-page';
import { log } from './app-log';
import type { AppPaths } from './app-paths';
import type { Section } from './status-window';

/**
 * The runtime's own dashboard (a web page on loopback) in a window of its own: no preload,
 * its own session, the main frame held to the dashboard's origin. When web isn't answering
 * it shows a local page whose buttons are anima-desktop:// links caught here.
 *
 * Above it, in a view of its own, our update bar (renderer/bar, preload/bar.ts): the offer,
 * an upgrade's progress and its outcome. Two views in one BaseWindow, never a script in the
 * runtime's page: the page can't reach the bar, and the bar's preload never meets the page.
 */
export class DashboardWindow {
  private win: BaseWindow | null = null;
  private page: WebContentsView | null = null;
  private bar: WebContentsView | null = null;
  /** As the bar's page asked (0 while it has nothing to say). */
  private barHeight = 0;
  private showing: 'nothing' | 'placeholder' | 'dashboard' = 'nothing';
  private readonly reloads = new DashboardReloads();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly paths: AppPaths,
    private readonly link: SupervisorLink,
    private readonly actions: { start(): Promise<void>; showStatus(section?: Section): void },
  ) {}

  private url(): string | null {
    // Rebuilt from its port: the window loads nothing but our loopback dashboard, whatever a status says.
    return loopbackDashboardUrl(this.link.state.status?.services.web.url);
  }

  private alive(): BaseWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  /** Failures arrive as did-fail-load; the window was created hidden and must appear whatever loads. */
  private navigate(url: string): void {
    const win = this.alive();
    const page = this.page;
    if (!win || !page || page.webContents.isDestroyed()) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    page.webContents.loadURL(url).then(
      () => {
        if (win.isDestroyed() || win.isVisible()) return;
        win.show();
        // The keyboard goes to the runtime's page, as it did when the page was the whole window.
        page.webContents.focus();
      },
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
      this.page?.webContents.focus();
      if (this.showing !== 'dashboard') this.retry();
      return;
    }
    const win = new BaseWindow(dashboardWindowOptions({ icon: this.paths.appIcon }));
    const page = new WebContentsView({ webPreferences: dashboardPagePreferences() });
    // docs/control-protocol.md: a runtime may leave out its own offer here, where our bar shows it.
    page.webContents.setUserAgent(embeddedUserAgent(page.webContents.getUserAgent(), app.getVersion()));
    const bar = new WebContentsView({ webPreferences: barPreferences({ preload: this.paths.barPreloadFile }) });
    // Added last, drawn on top: the bar is never under the page.
    win.contentView.addChildView(page);
    win.contentView.addChildView(bar);
    this.win = win;
    this.page = page;
    this.bar = bar;
    this.barHeight = 0;
    this.showing = 'nothing';
    this.layout();
    // A BaseWindow doesn't size its views: each change of the content area is laid out here.
    const relayout = () => this.layout();
    win.on('resize', relayout).on('maximize', relayout).on('unmaximize', relayout).on('restore', relayout).on('enter-full-screen', relayout).on('leave-full-screen', relayout);
    // As a BrowserWindow would: the window is named after the page it shows.
    page.webContents.on('page-title-updated', (_e, title) => !win.isDestroyed() && win.setTitle(title));
    lockToPage(bar.webContents, BAR_PAGE_URL);
    void bar.webContents.loadURL(BAR_PAGE_URL);
    this.focusCycle();
    const wc = page.webContents;
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
    win.on('closed', () => {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      // A view's web contents outlive its window unless closed.
      for (const v of [page, bar]) if (!v.webContents.isDestroyed()) v.webContents.close();
      this.win = this.page = this.bar = null;
    });
    this.reloads.forget();
    this.sync();
  }

  /** The bar on top, as tall as its page asked; the dashboard below, in the rest. */
  private layout(): void {
    const win = this.alive();
    if (!win || !this.page || !this.bar) return;
    const { width, height } = win.getContentBounds();
    const barHeight = Math.min(this.barHeight, height);
    this.bar.setBounds({ x: 0, y: 0, width, height: barHeight });
    this.page.setBounds({ x: 0, y: barHeight, width, height: height - barHeight });
  }

  /**
   * Two views are two focus domains, and Tab stays inside each: F6 moves between the page and
   * the bar, as it moves between a browser's toolbar and its page.
   */
  private focusCycle(): void {
    const page = this.page;
    const bar = this.bar;
    if (!page || !bar) return;
    const toggle = (from: WebContentsView, to: WebContentsView) =>
      from.webContents.on('before-input-event', (e, input) => {
        if (input.type !== 'keyDown' || input.key !== 'F6' || input.alt || input.control || input.meta) return;
        if (to === bar && this.barHeight === 0) return;
        e.preventDefault();
        to.webContents.focus();
      });
    toggle(page, bar);
    toggle(bar, page);
  }

  /** From the bar's page (its sender checked): the height it needs. */
  setBarHeight(height: number): void {
    this.barHeight = height;
    this.layout();
  }

  /** Did this IPC request come from the bar's own page (its main frame, our bar page)? */
  isBarSender(event: IpcMainInvokeEvent): boolean {
    return isOwnPageSender(this.bar?.webContents ?? null, event, BAR_PAGE_URL);
  }

  sendToBar<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    const wc = this.bar?.webContents;
    if (wc && !wc.isDestroyed()) wc.send(eventChannel(event), payload);
  }

  /** For the test hooks: what the window shows. */
  describe(): { open: boolean; showing: string; pageUrl: string | null; barHeight: number } {
    const wc = this.alive() ? this.page?.webContents : null;
    return { open: !!wc, showing: this.showing, pageUrl: wc && !wc.isDestroyed() ? wc.getURL() : null, barHeight: this.barHeight };
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
