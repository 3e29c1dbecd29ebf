import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import { messageOf } from '../../core/errors';
import type { HomeView } from '../../shared/ipc-contract';
import type { SupervisorLink } from '../supervisor-link';
import { buildTrayMenu, trayTooltip, type MenuAction, type TrayMenuItem } from '../tray-menu';
import { trayIconFile, trayIconState } from '../tray-icon';
import { log } from './app-log';

export interface TrayDeps {
  resourcesDir: string;
  link: SupervisorLink;
  homes(): HomeView[];
  run(action: MenuAction, home?: string): Promise<void>;
  showStatus(): void;
}

/**
 * The tray icon and its menu, rebuilt from the state on every change. Linux: the click may
 * never arrive, so the context menu is the tray, and every item is reachable from the window.
 */
export class AppTray {
  // Held here for the app's lifetime: a garbage-collected Tray disappears from the panel.
  private tray: Tray | null = null;
  private shown = { icon: '', tooltip: '', menu: '' };

  constructor(private readonly deps: TrayDeps) {}

  get exists(): boolean {
    return !!this.tray && !this.tray.isDestroyed();
  }

  /** The menu as data, for the test hooks (native menus are out of Playwright's reach). */
  menu(): TrayMenuItem[] {
    return buildTrayMenu(this.deps.link.state, this.deps.homes());
  }

  private icon(file: string) {
    const icon = nativeImage.createFromPath(file);
    if (process.platform === 'darwin') icon.setTemplateImage(true);
    return icon;
  }

  create(): boolean {
    try {
      this.tray = new Tray(this.icon(trayIconFile(this.deps.resourcesDir, trayIconState(this.deps.link.state), process.platform)));
      this.shown = { icon: '', tooltip: '', menu: '' };
      // Not on macOS: there a click opens the context menu and also emits 'click' (electron#24200),
      // so every look at the menu would pop the window up too.
      if (process.platform !== 'darwin') this.tray.on('click', () => this.deps.showStatus());
      this.refresh();
      return true;
    } catch (e) {
      log.warn(`no tray: ${messageOf(e)}`);
      this.tray = null;
      return false;
    }
  }

  refresh(): void {
    const tray = this.tray;
    if (!tray || tray.isDestroyed()) return;
    const state = this.deps.link.state;
    // Every progress event is a 'state' too: re-setting an unchanged menu closes it under the
    // user's pointer (macOS) and makes Linux indicators redraw, so only changes are applied.
    const iconFile = trayIconFile(this.deps.resourcesDir, trayIconState(state), process.platform);
    const tooltip = trayTooltip(state);
    const items = this.menu();
    const menu = JSON.stringify(items);
    if (iconFile !== this.shown.icon) tray.setImage(this.icon(iconFile));
    if (tooltip !== this.shown.tooltip) tray.setToolTip(tooltip);
    if (menu !== this.shown.menu) tray.setContextMenu(Menu.buildFromTemplate(this.toElectronMenu(items)));
    this.shown = { icon: iconFile, tooltip, menu };
  }

  private toElectronMenu(items: TrayMenuItem[]): MenuItemConstructorOptions[] {
    return items.map((i) => {
      // `&` marks a mnemonic in Electron menus; a path may hold one.
      const label = i.label?.replace(/&/g, '&&');
      if (i.type === 'separator') return { type: 'separator' };
      if (i.type === 'submenu') return { label, submenu: this.toElectronMenu(i.submenu ?? []) };
      if (i.type === 'checkbox') return { label, type: 'checkbox', checked: !!i.checked, enabled: i.enabled !== false };
      const action = i.action;
      const click = action ? () => void this.deps.run(action, i.home).catch((e) => log.error(`tray action ${action} failed: ${messageOf(e)}`)) : undefined;
      return { label, enabled: i.enabled !== false, click };
    });
  }
}
