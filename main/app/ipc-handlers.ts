import { resolve } from 'node:path';
import type * as z from 'zod/mini';
import { AnimaError, errorBody } from '../core/errors';
import { readConfig, setConfigValue, parseSettingValue } from '../core/config';
import { createContext } from '../core/context';
import { tailLines } from '../core/log-tail';
import { invokeSchemas, INVOKE_METHODS, type InvokeMethod, type InvokeResults, type ParsedArgOf, type Result, type Settings, type LogService } from '../shared/ipc-contract';
import type { SupervisorLink } from './supervisor-link';
import { homeViews, type KnownHome } from './known-homes';
// ipc-contract.ts builds its schemas lazily, for the preload's sake: their English messages come from here.
import '../shared/zod-english';

/** What only the Electron shell can do; main.ts passes the real ones, the tests their own. */
export interface ShellActions {
  openDashboard(): Promise<void>;
  /** Opens a log file in the user's viewer. */
  showLog(file: string, service: LogService): Promise<void>;
  launchAtLogin: {
    get(): boolean;
    set(enabled: boolean): void;
    /** Why the option can't be used here, if it can't. */
    unavailable?: string;
    /** What the user must still do for it to work, if anything (macOS 13+: approve the login item). */
    note?(): string | null;
  };
  /** The homes this user opened with the app (known-homes.ts), most recent first. */
  knownHomes(): KnownHome[];
  /** Opens a home in its own app instance (an instance already running for it comes to the front). */
  openHome(home: string): Promise<void>;
  /** Asks for a folder and opens it as a home; the home, or null when the user cancelled. */
  openAnotherHome(): Promise<string | null>;
  /**
   * The dashboard window's update bar (optional: a shell without that window, such as the
   * status window's tests, answers with ENOSUPPORT).
   */
  showStatus?(section: 'update' | 'operation'): void;
  setBarHeight?(height: number): void;
}

function unsupported<F>(fn: F | undefined, name: string): F {
  if (!fn) throw new AnimaError('ENOSUPPORT', `${name} is not available in this shell`);
  return fn;
}

export type Handlers = { [M in InvokeMethod]: (arg: unknown) => Promise<InvokeResults[M]> };

async function attempt<T>(fn: () => Promise<T> | T): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: errorBody(e) };
  }
}

/**
 * The IPC handlers, free of Electron: main.ts registers them with ipcMain (after checking
 * the sender frame), and the renderer tests call the same functions through a Playwright
 * bridge. Every argument is validated with the contract's zod schema first; a bad one is
 * answered as an EINVALID error, never acted on.
 */
export function createHandlers(link: SupervisorLink, shell: ShellActions): Handlers {
  const settings = async (): Promise<Settings> => {
    const c = link.current();
    const config = c ? await c.request('config-get', {}) : readConfig(link.paths.config);
    let webPort = config.web.port;
    try {
      webPort = createContext({ home: link.paths.home }, link.env).webPort;
    } catch {
      // config.json was readable above; keep its port.
    }
    return {
      channel: config.channel,
      checkIntervalHours: config.updates.checkIntervalHours,
      drainTimeoutSeconds: config.drainTimeoutSeconds,
      webPort,
      launchAtLogin: shell.launchAtLogin.get(),
      ...(shell.launchAtLogin.unavailable ? { launchAtLoginUnavailable: shell.launchAtLogin.unavailable } : {}),
      ...(shell.launchAtLogin.note?.() ? { launchAtLoginNote: shell.launchAtLogin.note()! } : {}),
    };
  };

  const impl: { [M in InvokeMethod]: (arg: ParsedArgOf<M>) => Promise<InvokeResults[M]> } = {
    getState: async () => link.state,
    start: () => link.operation('start', async () => (await link.ensure()).request('start', {})),
    stop: (a) => link.stop(!!a?.force),
    restart: (a) => link.operation('restart', async () => (await link.ensure()).request('restart', a?.force ? { force: true } : {})),
    upgrade: async (a) => {
      // The supervisor refreshes what is offered before it answers (a failed target is marked as such).
      return link.operation(a?.version ? `upgrade to ${a.version}` : 'upgrade', async () => (await link.ensure()).request('upgrade', a?.version ? { version: a.version } : {}));
    },
    checkForUpdates: () => attempt(() => link.request('check-updates', {})),
    skipVersion: (a) => attempt(() => link.request('skip-version', { version: a.version })),
    getVitals: () =>
      attempt(async () => {
        // Looking at charts is no reason to start a supervisor: with none, there is nothing to draw.
        const c = link.current();
        return c ? c.request('vitals', {}) : null;
      }),
    getSettings: () => attempt(settings),
    setSetting: (a) =>
      attempt(async () => {
        const c = link.current();
        if (c) await c.request('config-set', { key: a.key, value: a.value });
        else {
          // No supervisor: the same validated write `animactl config set` does.
          setConfigValue(link.paths.config, a.key, parseSettingValue(a.key, a.value));
          await link.start();
        }
        return settings();
      }),
    setLaunchAtLogin: (a) =>
      attempt(async () => {
        shell.launchAtLogin.set(a.enabled);
        return settings();
      }),
    getLogs: (a) =>
      attempt(async () => {
        const c = link.current();
        if (c && a.service !== 'manager') return c.request('logs', { service: a.service, lines: a.lines });
        return tailLines(link.paths.log(a.service), a.lines);
      }),
    openDashboard: () => attempt(async () => (await shell.openDashboard(), null)),
    showLog: (a) => attempt(async () => (await shell.showLog(link.paths.log(a.service), a.service), null)),
    listHomes: () => attempt(() => homeViews(shell.knownHomes(), link.paths.home, link.state.status?.environment)),
    openHome: (a) =>
      attempt(async () => {
        // Only a home an instance opened before (the list the window shows): the window can't
        // make the app create a home in any folder it names. New ones go through the picker.
        const home = resolve(a.home);
        if (home !== link.paths.home && !shell.knownHomes().some((k) => k.home === home)) {
          throw new AnimaError('EUNKNOWNHOME', `${home} is not one of the homes opened with Anima Desktop`, { hint: 'Use "Open another home…" to choose a folder.' });
        }
        await shell.openHome(home);
        return null;
      }),
    openAnotherHome: () => attempt(() => shell.openAnotherHome()),
    showStatus: (a) => attempt(() => (unsupported(shell.showStatus, 'showStatus')(a.section), null)),
    setBarHeight: (a) => attempt(() => (unsupported(shell.setBarHeight, 'setBarHeight')(a.height), null)),
  };

  const handlers = {} as Record<InvokeMethod, (arg: unknown) => Promise<unknown>>;
  for (const m of INVOKE_METHODS) {
    handlers[m] = async (arg: unknown) => {
      const parsed = (invokeSchemas()[m] as z.ZodMiniType).safeParse(arg);
      if (!parsed.success) {
        if (m === 'getState') throw new Error(`invalid argument for ${m}`);
        const issue = parsed.error.issues[0];
        return { ok: false, error: { code: 'EINVALID', message: `Invalid argument for ${m}: ${issue.path.join('.') || '(argument)'} ${issue.message}` } };
      }
      return (impl[m] as (a: unknown) => Promise<unknown>)(parsed.data);
    };
  }
  return handlers as Handlers;
}
