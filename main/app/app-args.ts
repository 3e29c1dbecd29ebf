/** Command-line handling for the app, pure. */
export interface AppArgs {
  /** --home PATH or --home=PATH */
  home?: string;
  /** --hidden: started at login; stay in the tray. */
  hidden: boolean;
}

export function parseAppArgs(argv: readonly string[]): AppArgs {
  const out: AppArgs = { hidden: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--hidden') out.hidden = true;
    else if (a === '--home' && i + 1 < argv.length) out.home = argv[++i];
    else if (a.startsWith('--home=')) out.home = a.slice('--home='.length);
  }
  if (out.home !== undefined && out.home.trim() === '') delete out.home;
  return out;
}

/**
 * Open the status window at launch (an explicit launch deserves a window), except when
 * started hidden at login with a tray to live in. With no tray the user can see, it
 * always opens (tray-host.ts decides what can be seen: a desktop's name can't tell).
 */
export function showWindowOnLaunch(o: { hidden: boolean; trayVisible: boolean }): boolean {
  return !o.trayVisible || !o.hidden;
}

/**
 * The arguments that start another instance of this app (launch at login, another home):
 * a development build runs Electron on the checkout, a packaged one needs no app path.
 */
export function instanceArgs(o: { packaged: boolean; appRoot: string; home?: string; hidden?: boolean }): string[] {
  return [...(o.packaged ? [] : [o.appRoot]), ...(o.hidden ? ['--hidden'] : []), ...(o.home ? ['--home', o.home] : [])];
}

/**
 * The _electron suite's hooks (ANIMA_TEST_HOOKS=1: the tray menu as data, recorded links and
 * notifications). Never in a packaged app: an environment variable must not turn a user's
 * app into one that can be driven from outside, or that stops opening links in the browser.
 */
export function testHooksEnabled(o: { packaged: boolean; env: NodeJS.ProcessEnv }): boolean {
  return !o.packaged && o.env.ANIMA_TEST_HOOKS === '1';
}
