// The Electron entry: wiring only. Each part lives beside it (windows, tray, homes,
// notifications, IPC, login item), and the logic in the Electron-free modules of main/app,
// tested in Node. The supervisor owns the services: this app can quit or crash without
// touching them.
import { app, dialog, shell, type IpcMainInvokeEvent } from 'electron';
import { watchFile } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../../core/errors';
import type { Environment } from '../../shared/settings';
import { SupervisorLink } from '../supervisor-link';
import { createHandlers, type Handlers } from '../ipc-handlers';
import type { MenuAction } from '../tray-menu';
import { quitAndStopQuestion, trayOperationNotification, updateCheckNotification, updateNotification, upgradeNotification } from '../notify-policy';
import { parseAppArgs, showWindowOnLaunch, testHooksEnabled } from '../app-args';
import { BAR_METHODS, type InvokeMethod } from '../../shared/ipc-contract';
import { busNameOwned, STATUS_NOTIFIER_WATCHER, trayVisible } from '../tray-host';
import { appPaths, useProfileOfHome } from './app-paths';
import { log, setupLogging } from './app-log';
import { hardenApp, recordExternalOpensInstead } from './security';
import { registerAppScheme, serveAppScheme } from './app-scheme';
import { StatusWindow } from './status-window';
import { DashboardWindow } from './dashboard-window';
import { AppTray } from './tray';
import { Notifier } from './notifications';
import { Homes } from './homes';
import { launchAtLogin } from './autostart-login';
import { registerIpc } from './ipc-main';
import { installTestHooks } from './test-hooks';

const APP_ID = 'ai.meetquinn.anima.desktop';
const args = parseAppArgs(process.argv.slice(1));
const paths = appPaths(args);
const { home } = paths;

useProfileOfHome(home);
registerAppScheme();
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

let quitting = false;
/** A tray the user can see (tray-host.ts): without one, closing the window quits. */
let trayVisibleToUser = false;
const link = new SupervisorLink({ home, appVersion: app.getVersion(), log: (m) => log.info(m) });
const statusWindow = new StatusWindow(paths, () => {
  // Live in the tray; with no tray anyone can see, closing the window quits.
  if (!trayVisibleToUser && !quitting) app.quit();
});
const homes = new Homes(paths, statusWindow);
const knownHomeViews = () => homes.views(link.state.status?.environment);
const dashboard = new DashboardWindow(paths, link, { start: () => runAction('start'), showStatus: (section) => statusWindow.show(section) });
const tray = new AppTray({ resourcesDir: paths.resourcesDir, link, homes: knownHomeViews, run: (a, h) => runAction(a, h), showStatus: () => statusWindow.show() });
const notifier = new Notifier({ icon: paths.appIcon, onClick: (section) => statusWindow.show(section) });
const handlers: Handlers = createHandlers(link, {
  openDashboard: () => dashboard.open(),
  showLog: async (file) => {
    const err = await shell.openPath(file);
    if (err) throw new Error(`Could not open ${file}: ${err}`);
  },
  launchAtLogin: launchAtLogin(paths),
  knownHomes: () => homes.list(),
  openHome: (h) => homes.openInstance(h),
  openAnotherHome: () => homes.chooseAndOpen(),
  showStatus: (section) => statusWindow.show(section),
  setBarHeight: (height) => dashboard.setBarHeight(height),
});

/**
 * The status window may call everything; the dashboard's bar its few methods only, and its
 * Upgrade only to what the channel offers (no version of its own: a downgrade or a chosen
 * version is confirmed in the status window); nothing else may call anything.
 */
function trustedSender(event: IpcMainInvokeEvent, method: InvokeMethod, arg: unknown): boolean {
  const fromBar = dashboard.isBarSender(event);
  if (method === 'setBarHeight') return fromBar;
  if (statusWindow.isOwnSender(event)) return true;
  return fromBar && (BAR_METHODS as readonly InvokeMethod[]).includes(method) && !(method === 'upgrade' && arg !== undefined);
}

if (!app.requestSingleInstanceLock({ home })) {
  app.quit();
} else {
  app.on('second-instance', () => statusWindow.show());
  // .then(main).catch(): a rejection of main() itself must land here too (then(f, r) only catches whenReady's).
  app.whenReady().then(main).catch((e) => {
    log.error(`startup failed: ${messageOf(e)}`);
    dialog.showErrorBox('Anima Desktop could not start', messageOf(e));
    app.exit(1);
  });
}

/** What a tray item does. */
async function runAction(action: MenuAction, target?: string): Promise<void> {
  log.info(`action: ${action}${target ? ` ${target}` : ''}`);
  switch (action) {
    case 'open-dashboard':
      return dashboard.open();
    case 'start':
    case 'stop':
    case 'restart': {
      // The window may be closed: a failure is told here, or nobody would know.
      const n = trayOperationNotification(action, await handlers[action](undefined));
      if (n) notifier.notify(n);
      return;
    }
    case 'upgrade':
      // The channel's target, as the supervisor resolves it; progress shows in the window.
      statusWindow.show('operation');
      await handlers.upgrade(undefined);
      return;
    case 'check-updates': {
      const n = updateCheckNotification(await handlers.checkForUpdates(undefined));
      // The state push may have just announced this very version.
      if (!(offersShown.has(n.key) && Date.now() - offersShown.get(n.key)! < 30_000)) notifier.notify(n);
      return;
    }
    case 'open-window':
      return statusWindow.show();
    case 'view-logs':
      return void (await shell.openPath(join(home, 'logs')));
    case 'open-home':
      return target ? homes.openFromTray(target) : undefined;
    case 'open-another-home':
      return homes.openFromTray(undefined);
    case 'quit-leave-running':
      quitting = true;
      app.quit();
      return;
    case 'quit-and-stop': {
      const question = quitAndStopQuestion(await link.stop(false));
      if (question) {
        const { response } = await dialog.showMessageBox({ type: 'question', buttons: ['Quit and Leave It Running', 'Cancel'], defaultId: 1, cancelId: 1, ...question });
        if (response !== 0) return;
      }
      quitting = true;
      app.quit();
      return;
    }
  }
}

/** The versions an update notification announced, and when. */
const offersShown = new Map<string, number>();

function wireLink(): void {
  const notifiedOutcomes = new Set<string>();
  link.on('state', (state) => {
    statusWindow.send('state', state);
    dashboard.sendToBar('state', state);
    homes.rememberOwn(state.status?.environment as Environment | undefined);
    tray.refresh();
    const n = updateNotification(state, offersShown);
    if (n) {
      offersShown.set(n.key, Date.now());
      notifier.notify(n);
    }
    dashboard.onState();
  });
  link.on('progress', (ev) => {
    statusWindow.send('progress', ev);
    const n = upgradeNotification(ev);
    if (n && !notifiedOutcomes.has(n.key)) {
      notifiedOutcomes.add(n.key);
      notifier.notify(n);
    }
  });
  link.on('outcome', (o) => statusWindow.send('outcome', o));
}

async function main(): Promise<void> {
  setupLogging(home);
  serveAppScheme(paths.pagesDir);
  hardenApp();
  registerIpc(handlers, trustedSender);
  wireLink();
  if (testHooksEnabled({ packaged: app.isPackaged, env: process.env })) {
    const externalOpened: string[] = [];
    recordExternalOpensInstead((url) => externalOpened.push(url));
    installTestHooks({
      menu: () => tray.menu(),
      run: runAction,
      state: () => link.state,
      hasTray: () => trayVisibleToUser,
      notifications: () => notifier.shown,
      clickNotification: (key) => notifier.clickShown(key),
      externalOpened: () => externalOpened,
      dashboard: () => dashboard.describe(),
    });
  }

  // Before any await: a window opened meanwhile (second-instance) and closed must not quit the
  // app through the default window-all-closed behaviour, and a quit must dispose the link.
  app.on('window-all-closed', () => {
    // Live in the tray; with no tray, closing the window (StatusWindow's onClosed) quits.
  });
  app.on('before-quit', () => {
    quitting = true;
    link.dispose();
    log.info('quitting (services are left to the supervisor)');
  });

  homes.rememberOwn(undefined);
  // Other instances add their homes to the shared list: show them without waiting for a state change.
  watchFile(paths.knownHomesFile, { interval: 5000, persistent: false }, () => tray.refresh());
  const trayCreated = tray.create();
  const [watcherOwned] = await Promise.all([process.platform === 'linux' ? busNameOwned(STATUS_NOTIFIER_WATCHER) : null, link.start()]);
  trayVisibleToUser = trayVisible({ platform: process.platform, trayCreated, watcherOwned });
  if (trayCreated && !trayVisibleToUser) log.warn(`no tray can be seen: nothing owns ${STATUS_NOTIFIER_WATCHER} on the session bus (GNOME needs the AppIndicator extension); the window stays the way in`);
  tray.refresh();
  // macOS login items can't carry --hidden (setLoginItemSettings' args are Windows-only).
  const hidden = args.hidden || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (showWindowOnLaunch({ hidden, trayVisible: trayVisibleToUser })) statusWindow.show();
  // macOS: opening the app again (Finder, Spotlight, the Dock) is 'activate', not a second
  // instance; with the window closed and the icon hidden by the notch it is the only way in.
  // Listened to only now, so that it can't undo a hidden start.
  app.on('activate', () => statusWindow.show());
}
