// The Electron entry: tray, status window, dashboard window, notifications, login item.
// Thin on purpose: the logic lives in the Electron-free modules beside it (tested in Node),
// and the supervisor owns the services (this app can quit or crash without touching them).
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, session, shell, Tray, type MenuItemConstructorOptions, type MessageBoxOptions, type OpenDialogOptions, type Session, type WebContents } from 'electron';
import log from 'electron-log/main';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, watchFile } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveHome } from '../../core/home';
import type { Environment } from '../../shared/settings';
import { messageOf } from '../../core/errors';
import { SupervisorLink } from '../supervisor-link';
import { createHandlers, type ShellActions } from '../ipc-handlers';
import { eventChannel, INVOKE_METHODS, invokeChannel, type EventName, type EventPayloads } from '../../shared/ipc-contract';
import { buildTrayMenu, trayTooltip, type MenuAction, type TrayMenuItem } from '../tray-menu';
import { trayIconFile, trayIconState } from '../tray-icon';
import { dashboardWindowOptions, DASHBOARD_PARTITION, statusWindowOptions } from '../window-options';
import { dashboardAction, isSafeExternalUrl, isSameOrigin, isTrustedRendererUrl } from '../navigation';
import { RENDERER_CSP } from '../csp';
import { updateNotification, upgradeNotification, type NotificationSpec } from '../notify-policy';
import { linuxAutostartEnabled, setLinuxAutostart } from '../autostart';
import { instanceArgs, parseAppArgs, showWindowOnLaunch } from '../app-args';
import { folderKind, homeViews, listKnownHomes, rememberHome } from '../known-homes';
import { dashboardUnavailableHtml, dataUrl } from '../dashboard-page';

const APP_ID = 'ai.meetquinn.anima.desktop';
const args = parseAppArgs(process.argv.slice(1));
const home = resolveHome(args.home);
const explicitHome = args.home !== undefined || !!process.env.ANIMA_HOME;

// The app's own folder under the OS's per-user appData: the default profile, and the same
// folder for every instance whatever its home.
const appDataDir = join(app.getPath('appData'), 'Anima Desktop');
// The homes opened with the app, shared by every instance: so it sits here, beside the
// per-home profile folders (home-<hash>), never inside one of them.
const knownHomesFile = join(appDataDir, 'known-homes.json');

// One instance per home: a second launch for the same home focuses the first one's window.
// The lock lives in the profile, so each home but the default gets its own profile; the
// default home keeps the default one however it is named (`--home ~/.anima` from the Homes
// menu included), or it could run in two instances.
if (home !== resolveHome(undefined, {})) {
  app.setPath('userData', join(appDataDir, `home-${createHash('sha256').update(home).digest('hex').slice(0, 12)}`));
}
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

// Module-level references: a garbage-collected Tray disappears from the panel.
let tray: Tray | null = null;
let statusWindow: BrowserWindow | null = null;
let dashboardWindow: BrowserWindow | null = null;
let dashboardShowsPlaceholder = false;
let link: SupervisorLink;
let quitting = false;
const notifiedVersions = new Set<string>();
const notifiedOutcomes = new Set<string>();

const appRoot = app.getAppPath();
const distDir = join(appRoot, 'dist');
const rendererFile = join(distDir, 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererFile).href;
const resourcesDir = app.isPackaged ? process.resourcesPath : join(appRoot, 'resources');
const appIcon = app.isPackaged ? undefined : join(appRoot, 'resources', 'icons', 'icon.png');
// What starts this app again (another home, login item). In an AppImage, process.execPath is
// inside a temporary mount (/tmp/.mount_*) that disappears when this instance quits: use the
// AppImage file itself ($APPIMAGE, set by its runtime).
const selfExecutable = (process.platform === 'linux' && process.env.APPIMAGE) || process.execPath;

if (!app.requestSingleInstanceLock({ home })) {
  app.quit();
} else {
  app.on('second-instance', () => showStatusWindow());
  // .then(main).catch(): a rejection of main() itself must land here too (then(f, r) only catches whenReady's).
  app.whenReady().then(main).catch((e) => {
    log.error(`startup failed: ${messageOf(e)}`);
    dialog.showErrorBox('Anima Desktop could not start', messageOf(e));
    app.exit(1);
  });
}

function setupLogging(): void {
  const file = join(home, 'logs', 'manager.log');
  mkdirSync(join(home, 'logs'), { recursive: true });
  log.transports.file.resolvePathFn = () => file;
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.info(`Anima Desktop ${app.getVersion()} starting for ${home} (pid ${process.pid})`);
}

/** Deny every permission (camera, notifications from pages, geolocation…) and lock navigation everywhere. */
function hardenSession(s: Session): void {
  s.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn(`denied permission request: ${permission}`);
    callback(false);
  });
  s.setPermissionCheckHandler(() => false);
}

function hardenContents(): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternalVetted(url);
      return { action: 'deny' };
    });
  });
}

function openExternalVetted(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url);
  else log.warn(`refused to open ${url}`);
}

function send<E extends EventName>(event: E, payload: EventPayloads[E]): void {
  if (statusWindow && !statusWindow.isDestroyed()) statusWindow.webContents.send(eventChannel(event), payload);
}

// ------------------------------------------------------------------ status window

function showStatusWindow(section?: 'update' | 'operation'): void {
  if (statusWindow && !statusWindow.isDestroyed()) {
    if (statusWindow.isMinimized()) statusWindow.restore();
    statusWindow.show();
    statusWindow.focus();
    if (section) send('focus', { section });
    return;
  }
  statusWindow = new BrowserWindow(statusWindowOptions({ preload: join(distDir, 'preload.cjs'), icon: appIcon, title: `Anima Desktop: ${home}` }));
  const wc = statusWindow.webContents;
  lockToRenderer(wc);
  statusWindow.once('ready-to-show', () => {
    statusWindow?.show();
    if (section) send('focus', { section });
  });
  statusWindow.on('closed', () => {
    statusWindow = null;
    if (!tray && !quitting) app.quit();
  });
  void statusWindow.loadFile(rendererFile);
}

function lockToRenderer(wc: WebContents): void {
  wc.on('will-navigate', (e, url) => {
    if (isTrustedRendererUrl(url, rendererUrl)) return;
    e.preventDefault();
    openExternalVetted(url);
  });
  wc.on('will-redirect', (e, url) => {
    if (!isTrustedRendererUrl(url, rendererUrl)) e.preventDefault();
  });
}

// ------------------------------------------------------------------ dashboard window

function dashboardUrl(): string | null {
  return link.state.status?.services.web.url ?? null;
}

function webRunning(): boolean {
  return link.state.status?.services.web.state === 'running';
}

function showDashboardPlaceholder(reason: string, starting = false): void {
  if (!dashboardWindow || dashboardWindow.isDestroyed()) return;
  dashboardShowsPlaceholder = true;
  void dashboardWindow.loadURL(dataUrl(dashboardUnavailableHtml({ url: dashboardUrl() ?? 'http://127.0.0.1', reason, home, starting })));
}

function loadDashboard(): void {
  if (!dashboardWindow || dashboardWindow.isDestroyed()) return;
  const url = dashboardUrl();
  if (!url || !webRunning()) {
    const web = link.state.status?.services.web.state ?? 'stopped';
    showDashboardPlaceholder(link.state.connection === 'not-running' ? 'Anima is not running.' : `The web service is ${web}.`, web === 'starting');
    return;
  }
  dashboardShowsPlaceholder = false;
  void dashboardWindow.loadURL(url);
}

async function openDashboard(): Promise<void> {
  if (!dashboardWindow || dashboardWindow.isDestroyed()) {
    dashboardWindow = new BrowserWindow(dashboardWindowOptions({ icon: appIcon }));
    const wc = dashboardWindow.webContents;
    const guard = (e: { preventDefault(): void }, url: string) => {
      const action = dashboardAction(url);
      if (action) {
        e.preventDefault();
        if (action === 'start') void startFromDashboard();
        else if (action === 'retry') loadDashboard();
        else showStatusWindow();
        return;
      }
      const allowed = dashboardUrl();
      if (allowed && isSameOrigin(url, allowed)) return;
      if (url.startsWith('data:text/html') && dashboardShowsPlaceholder) return;
      e.preventDefault();
      openExternalVetted(url);
    };
    wc.on('will-navigate', guard);
    wc.on('will-redirect', guard);
    wc.on('did-fail-load', (_e, code, description, url, isMainFrame) => {
      if (!isMainFrame || code === -3) return; // -3: aborted by our own navigation
      log.warn(`dashboard failed to load ${url}: ${description} (${code})`);
      showDashboardPlaceholder(`The dashboard at ${url} did not answer (${description}).`);
    });
    dashboardWindow.once('ready-to-show', () => dashboardWindow?.show());
    dashboardWindow.on('closed', () => (dashboardWindow = null));
    loadDashboard();
    return;
  }
  dashboardWindow.show();
  dashboardWindow.focus();
  if (dashboardShowsPlaceholder) loadDashboard();
}

async function startFromDashboard(): Promise<void> {
  showDashboardPlaceholder('Starting the services…', true);
  await runAction('start');
  loadDashboard();
}

// ------------------------------------------------------------------ tray

function toElectronMenu(items: TrayMenuItem[]): MenuItemConstructorOptions[] {
  return items.map((i) => {
    // `&` marks a mnemonic in Electron menus; a path may hold one.
    const label = i.label?.replace(/&/g, '&&');
    if (i.type === 'separator') return { type: 'separator' };
    if (i.type === 'submenu') return { label, submenu: toElectronMenu(i.submenu ?? []) };
    if (i.type === 'checkbox') return { label, type: 'checkbox', checked: !!i.checked, enabled: i.enabled !== false };
    return { label, enabled: i.enabled !== false, click: i.action ? () => void runAction(i.action!, i.home).catch((e) => log.error(`tray action ${i.action} failed: ${messageOf(e)}`)) : undefined };
  });
}

function knownHomeViews() {
  return homeViews(listKnownHomes(knownHomesFile), home, link.state.status?.environment);
}

let trayShown: { icon: string; tooltip: string; menu: string } = { icon: '', tooltip: '', menu: '' };
function refreshTray(): void {
  if (!tray || tray.isDestroyed()) return;
  const state = link.state;
  // Every progress event is a 'state' too: re-setting an unchanged menu closes it under the
  // user's pointer (macOS) and makes Linux indicators redraw, so only changes are applied.
  const iconFile = trayIconFile(resourcesDir, trayIconState(state), process.platform);
  const tooltip = trayTooltip(state);
  const items = buildTrayMenu(state, knownHomeViews());
  const menu = JSON.stringify(items);
  if (iconFile !== trayShown.icon) {
    const icon = nativeImage.createFromPath(iconFile);
    if (process.platform === 'darwin') icon.setTemplateImage(true);
    tray.setImage(icon);
  }
  if (tooltip !== trayShown.tooltip) tray.setToolTip(tooltip);
  // Linux: clicks may never arrive, so the context menu is the tray; set it again on every change.
  if (menu !== trayShown.menu) tray.setContextMenu(Menu.buildFromTemplate(toElectronMenu(items)));
  trayShown = { icon: iconFile, tooltip, menu };
}

function createTray(): boolean {
  try {
    const icon = nativeImage.createFromPath(trayIconFile(resourcesDir, trayIconState(link.state), process.platform));
    if (process.platform === 'darwin') icon.setTemplateImage(true);
    tray = new Tray(icon);
    trayShown = { icon: '', tooltip: '', menu: '' };
    // Not on macOS: there a click opens the context menu and also emits 'click' (electron#24200),
    // so every look at the menu would pop the window up too.
    if (process.platform !== 'darwin') tray.on('click', () => showStatusWindow());
    refreshTray();
    return true;
  } catch (e) {
    log.warn(`no tray: ${messageOf(e)}`);
    tray = null;
    return false;
  }
}

async function runAction(action: MenuAction, target?: string): Promise<void> {
  log.info(`action: ${action}${target ? ` ${target}` : ''}`);
  switch (action) {
    case 'open-dashboard':
      return openDashboard();
    case 'start':
      await handlers.start(undefined);
      return;
    case 'stop':
      await handlers.stop(undefined);
      return;
    case 'restart':
      await handlers.restart(undefined);
      return;
    case 'upgrade':
      // The channel's target, as the supervisor resolves it; progress shows in the window.
      showStatusWindow('operation');
      await handlers.upgrade(undefined);
      return;
    case 'check-updates':
      await handlers.checkForUpdates(undefined);
      return;
    case 'open-window':
      return showStatusWindow();
    case 'view-logs':
      return void (await shell.openPath(join(home, 'logs')));
    case 'open-home':
    case 'open-another-home':
      try {
        if (action === 'open-another-home') await chooseAndOpenHome();
        else if (target) await openHomeInstance(target);
      } catch (e) {
        log.warn(`could not open ${target ?? 'another home'}: ${messageOf(e)}`);
        dialog.showErrorBox('Could not open the home', messageOf(e));
      }
      return;
    case 'quit-leave-running':
      quitting = true;
      app.quit();
      return;
    case 'quit-and-stop':
      quitting = true;
      await link.stop(false);
      app.quit();
      return;
  }
}

// ------------------------------------------------------------------ homes

/**
 * One home per window: another home opens in a new instance of this app, detached, with
 * `--home`. If one already runs for that home, the new one loses the home's single-instance
 * lock, quits, and the running one comes to the front (its 'second-instance').
 */
async function openHomeInstance(target: string): Promise<void> {
  const h = resolve(target);
  if (h === home) return showStatusWindow();
  const env = { ...process.env };
  delete env.ANIMA_HOME; // --home says it; nothing else should compete
  const child = spawn(selfExecutable, instanceArgs({ packaged: app.isPackaged, appRoot, home: h }), { detached: true, stdio: 'ignore', env });
  await new Promise<void>((ok, fail) => {
    child.once('spawn', ok);
    child.once('error', fail);
  });
  child.unref();
  log.info(`opened ${h} in another instance (pid ${child.pid})`);
}

/** A folder picker; a folder that is neither a home nor empty is confirmed first. */
async function chooseAndOpenHome(): Promise<string | null> {
  const parent = statusWindow && !statusWindow.isDestroyed() && statusWindow.isVisible() ? statusWindow : null;
  const options: OpenDialogOptions = {
    title: 'Open an Anima home',
    buttonLabel: 'Open Home',
    defaultPath: dirname(home),
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
  await openHomeInstance(chosen);
  return chosen;
}

/** Puts this instance's home first in the shared list at startup, and again when its environment is known or changes. */
let remembered: { environment?: Environment } | null = null;
function rememberOwnHome(): void {
  const environment = link.state.status?.environment as Environment | undefined;
  if (remembered && (environment === undefined || environment === remembered.environment)) return;
  remembered = { environment };
  try {
    rememberHome(knownHomesFile, home, environment);
  } catch (e) {
    log.warn(`could not update ${knownHomesFile}: ${messageOf(e)}`);
  }
}

// ------------------------------------------------------------------ notifications

// Held until clicked or closed: Electron keeps only a weak reference to a Notification, and a
// collected one drops its 'click' (electron#16922).
const liveNotifications = new Set<Notification>();
function notify(spec: NotificationSpec): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title: spec.title, body: spec.body, ...(appIcon ? { icon: appIcon } : {}) });
  liveNotifications.add(n);
  n.on('click', () => {
    liveNotifications.delete(n);
    showStatusWindow(spec.section);
  });
  n.on('close', () => liveNotifications.delete(n));
  n.show();
}

// ------------------------------------------------------------------ login item

const loginArgs = (): string[] => instanceArgs({ packaged: app.isPackaged, appRoot, hidden: true, ...(explicitHome ? { home } : {}) });

const launchAtLogin: ShellActions['launchAtLogin'] = {
  get: () => (process.platform === 'linux' ? linuxAutostartEnabled() : app.getLoginItemSettings({ args: loginArgs() }).openAtLogin),
  set: (enabled) => {
    if (process.platform === 'linux') setLinuxAutostart(enabled, selfExecutable, loginArgs());
    else app.setLoginItemSettings({ openAtLogin: enabled, args: loginArgs() });
  },
  ...(app.isPackaged ? {} : { unavailable: 'This is a development build: launch at login starts it from this checkout.' }),
};

// ------------------------------------------------------------------ wiring

let handlers: ReturnType<typeof createHandlers>;

function installTestHooks(): void {
  const flat = (items: TrayMenuItem[], prefix = ''): { label: string; enabled: boolean; action?: MenuAction; home?: string }[] =>
    items.flatMap((i) => (i.type === 'separator' ? [] : i.type === 'submenu' ? flat(i.submenu ?? [], `${i.label} > `) : [{ label: prefix + (i.label ?? ''), enabled: i.enabled !== false, action: i.action, home: i.home }]));
  (globalThis as Record<string, unknown>).__animaTest = {
    menuTemplate: () => flat(buildTrayMenu(link.state, knownHomeViews())).map(({ label, enabled }) => ({ label, enabled })),
    clickMenu: async (label: string) => {
      const item = flat(buildTrayMenu(link.state, knownHomeViews())).find((i) => i.label === label || i.label.endsWith(` > ${label}`));
      if (!item || !item.action) throw new Error(`no tray item "${label}"`);
      if (!item.enabled) throw new Error(`tray item "${label}" is disabled`);
      await runAction(item.action, item.home);
    },
    state: () => link.state,
    hasTray: () => !!tray,
  };
}

async function main(): Promise<void> {
  setupLogging();
  hardenContents();
  hardenSession(session.defaultSession);
  hardenSession(session.fromPartition(DASHBOARD_PARTITION));
  // The status window's CSP as a header too (the <meta> in index.html covers file: loads).
  // Only on our renderer's document: a CSP on every response of the default session also hits
  // DevTools (devtools://, which needs eval) and anything else loaded there.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!isTrustedRendererUrl(details.url, rendererUrl)) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });

  link = new SupervisorLink({ home, appVersion: app.getVersion(), log: (m) => log.info(m) });
  handlers = createHandlers(link, {
    openDashboard,
    showLog: async (file) => {
      const err = await shell.openPath(file);
      if (err) throw new Error(`Could not open ${file}: ${err}`);
    },
    launchAtLogin,
    knownHomes: () => listKnownHomes(knownHomesFile),
    openHome: openHomeInstance,
    openAnotherHome: chooseAndOpenHome,
  });

  for (const m of INVOKE_METHODS) {
    ipcMain.handle(invokeChannel(m), (event, arg) => {
      const url = event.senderFrame?.url;
      if (!isTrustedRendererUrl(url, rendererUrl)) {
        log.warn(`rejected IPC ${m} from ${url ?? 'a frame that is gone'}`);
        throw new Error('Rejected: this request did not come from the Anima Desktop window');
      }
      return handlers[m](arg);
    });
  }

  link.on('state', (state) => {
    send('state', state);
    rememberOwnHome();
    refreshTray();
    const n = updateNotification(state, notifiedVersions);
    if (n) {
      notifiedVersions.add(n.key);
      notify(n);
    }
    if (dashboardWindow && !dashboardWindow.isDestroyed() && dashboardShowsPlaceholder && webRunning()) loadDashboard();
  });
  link.on('progress', (ev) => {
    send('progress', ev);
    const n = upgradeNotification(ev);
    if (n && !notifiedOutcomes.has(n.key)) {
      notifiedOutcomes.add(n.key);
      notify(n);
    }
  });
  link.on('outcome', (o) => send('outcome', o));

  if (process.env.ANIMA_TEST_HOOKS === '1') installTestHooks();

  // Before any await: a window opened meanwhile (second-instance) and closed must not quit the
  // app through the default window-all-closed behaviour, and a quit must dispose the link.
  app.on('window-all-closed', () => {
    // Live in the tray; with no tray, closing the window (showStatusWindow) quits.
  });
  app.on('before-quit', () => {
    quitting = true;
    link.dispose();
    log.info('quitting (services are left to the supervisor)');
  });

  rememberOwnHome();
  // Other instances add their homes to the shared list: show them without waiting for a state change.
  watchFile(knownHomesFile, { interval: 5000, persistent: false }, () => refreshTray());
  const trayCreated = createTray();
  await link.start();
  refreshTray();
  // macOS login items can't carry --hidden (setLoginItemSettings' args are Windows-only).
  const hidden = args.hidden || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (showWindowOnLaunch({ hidden, trayCreated, platform: process.platform, desktop: process.env.XDG_CURRENT_DESKTOP })) showStatusWindow();
}
