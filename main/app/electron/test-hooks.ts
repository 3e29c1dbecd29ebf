import type { AppState } from '../../shared/ipc-contract';
import type { MenuAction, TrayMenuItem } from '../tray-menu';
import type { NotificationSpec } from '../notify-policy';

export interface TestHookDeps {
  menu(): TrayMenuItem[];
  run(action: MenuAction, home?: string): Promise<void>;
  state(): AppState;
  hasTray(): boolean;
  notifications(): NotificationSpec[];
  /** The user's click on a notification shown (by its key); false when none was. */
  clickNotification(key: string): boolean;
  /** Links handed to the system browser, recorded instead (security.ts). */
  externalOpened(): string[];
  /** What the dashboard window shows: the page's URL, placeholder or dashboard, the bar's height. */
  dashboard(): { open: boolean; showing: string; pageUrl: string | null; barHeight: number };
}

interface FlatItem {
  label: string;
  enabled: boolean;
  action?: MenuAction;
  home?: string;
}

function flat(items: TrayMenuItem[], prefix = ''): FlatItem[] {
  return items.flatMap((i) =>
    i.type === 'separator' ? [] : i.type === 'submenu' ? flat(i.submenu ?? [], `${i.label} > `) : [{ label: prefix + (i.label ?? ''), enabled: i.enabled !== false, action: i.action, home: i.home }],
  );
}

/**
 * ANIMA_TEST_HOOKS=1 in an unpackaged app only (app-args.ts testHooksEnabled):
 * `globalThis.__animaTest` for the _electron suite, which can run code in the main process
 * but can't reach the tray, native menus, the OS's notifications or the system browser.
 */
export function installTestHooks(d: TestHookDeps): void {
  (globalThis as Record<string, unknown>).__animaTest = {
    menuTemplate: () => flat(d.menu()).map(({ label, enabled }) => ({ label, enabled })),
    clickMenu: async (label: string) => {
      const item = flat(d.menu()).find((i) => i.label === label || i.label.endsWith(` > ${label}`));
      if (!item || !item.action) throw new Error(`no tray item "${label}"`);
      if (!item.enabled) throw new Error(`tray item "${label}" is disabled`);
      await d.run(item.action, item.home);
    },
    state: d.state,
    hasTray: d.hasTray,
    notifications: d.notifications,
    clickNotification: d.clickNotification,
    externalOpened: d.externalOpened,
    dashboard: d.dashboard,
  };
}
