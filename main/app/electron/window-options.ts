import type { BaseWindowConstructorOptions, BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The dashboard's own session: its cookies and storage never mix with the status window's. */
export const DASHBOARD_PARTITION = 'persist:anima-dashboard';

const locked = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** The status & settings window: our renderer, our preload, nothing else. */
export function statusWindowOptions(o: { preload: string; icon?: string; title?: string }): BrowserWindowConstructorOptions {
  return {
    width: 880,
    height: 760,
    minWidth: 560,
    minHeight: 480,
    show: false,
    title: o.title ?? 'Anima Desktop',
    ...(o.icon ? { icon: o.icon } : {}),
    autoHideMenuBar: true,
    webPreferences: { ...locked, preload: o.preload },
  };
}

/**
 * The dashboard window: a BaseWindow holding two views, the runtime's page and our update
 * bar above it (dashboard-window.ts lays them out). The window itself shows no web page.
 */
export function dashboardWindowOptions(o: { icon?: string; title?: string } = {}): BaseWindowConstructorOptions {
  return {
    width: 1200,
    height: 820,
    show: false,
    title: o.title ?? 'Anima Dashboard',
    ...(o.icon ? { icon: o.icon } : {}),
    autoHideMenuBar: true,
  };
}

/** The runtime's dashboard: a web page on loopback, so no preload at all and its own partition. */
export function dashboardPagePreferences(): WebPreferences {
  return { ...locked, partition: DASHBOARD_PARTITION };
}

/**
 * The update bar: our page with its own preload, in the default session (where anima-app: is
 * served), never the dashboard's. Not throttled: it keeps following an upgrade while it is
 * zero pixels tall (nothing to say yet) or the window is in the background.
 */
export function barPreferences(o: { preload: string }): WebPreferences {
  return { ...locked, preload: o.preload, backgroundThrottling: false };
}
