/**
 * The one IPC contract between the Electron main process, the preload and the renderer
 * (the idea of GitHub Desktop's ipc-shared.ts): every invoke method with the zod schema
 * of its single argument and the type of its result, and every main→renderer event with
 * its payload type.
 *
 * - main registers one `ipcMain.handle` per method (ipc-handlers.ts validates the argument
 *   with the schema below, main.ts checks the sender frame first);
 * - the preload exposes `window.anima` generated from INVOKE_METHODS and EVENT_NAMES;
 * - the renderer imports only the types (`import type`), so no zod reaches it.
 *
 * No `electron` import here: this file is loaded by Node tests too.
 */
import * as z from 'zod/mini';
import type { HomeStatus, UpdateState, Vitals } from './status';
import type { ErrorBody, OperationOutcome, ProgressEvent } from './control-protocol';

/** Settings the window may change (a subset of core/config.ts SETTINGS, by design). */
export const WINDOW_SETTINGS = ['channel', 'updates.checkIntervalHours', 'drainTimeoutSeconds'] as const;

export const LOG_SERVICES = ['web', 'agent', 'supervisor', 'manager'] as const;
export type LogService = (typeof LOG_SERVICES)[number];

/**
 * Each invoke method and the schema of its (single, optional) argument. Built in a
 * function so that the preload, which needs only the names, doesn't bundle zod.
 */
function buildSchemas() {
  const none = z.undefined();
  const force = z.optional(z.strictObject({ force: z.optional(z.boolean()) }));
  // An absolute path (POSIX, drive or UNC): checked without node:path, which the preload can't bundle.
  const home = z.string().check(z.minLength(1), z.maxLength(4096), z.refine((p) => !p.includes('\0') && /^(\/|[A-Za-z]:[\\/]|\\\\[^\\])/.test(p), 'must be an absolute path'));
  const version = z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^[0-9A-Za-z.+-]+$/, 'must be a version such as 1.4.2'));
  const service = z.enum(LOG_SERVICES);
  return {
    getState: none,
    start: none,
    stop: force,
    restart: force,
    checkForUpdates: none,
    upgrade: z.optional(z.strictObject({ version: z.optional(version) })),
    skipVersion: z.strictObject({ version }),
    getVitals: none,
    getSettings: none,
    setSetting: z.strictObject({ key: z.enum(WINDOW_SETTINGS), value: z.string().check(z.maxLength(100)) }),
    setLaunchAtLogin: z.strictObject({ enabled: z.boolean() }),
    getLogs: z.strictObject({ service, lines: z.number().check(z.int(), z.gte(1), z.lte(500)) }),
    openDashboard: none,
    showLog: z.strictObject({ service }),
    listHomes: none,
    openHome: z.strictObject({ home }),
    openAnotherHome: none,
    /** "Details" in the dashboard's update bar: the status window, at that part. */
    showStatus: z.strictObject({ section: z.enum(['update', 'operation']) }),
    /** The bar's page says how tall it is (0: nothing to say); main lays the dashboard out below it. */
    setBarHeight: z.strictObject({ height: z.number().check(z.int(), z.gte(0), z.lte(BAR_MAX_HEIGHT)) }),
  } as const satisfies Record<string, z.ZodMiniType>;
}
type Schemas = ReturnType<typeof buildSchemas>;
export type InvokeMethod = keyof Schemas;

/** The method names, in the order of the schemas (checked against them by a test). */
export const INVOKE_METHODS = [
  'getState', 'start', 'stop', 'restart', 'checkForUpdates', 'upgrade', 'skipVersion',
  'getVitals',
  'getSettings', 'setSetting', 'setLaunchAtLogin', 'getLogs', 'openDashboard', 'showLog',
  'listHomes', 'openHome', 'openAnotherHome', 'showStatus', 'setBarHeight',
] as const satisfies readonly InvokeMethod[];

/**
 * What the update bar in the dashboard window may call: its preload (preload/bar.ts) exposes
 * these only, as `window.animaBar`, and main refuses it every other method. The bar sits
 * beside a page we don't control, so it gets the least that does its job.
 */
export const BAR_METHODS = ['getState', 'upgrade', 'skipVersion', 'showStatus', 'setBarHeight'] as const satisfies readonly InvokeMethod[];
export type BarMethod = (typeof BAR_METHODS)[number];
/** Taller than this, the bar would be eating the dashboard. */
export const BAR_MAX_HEIGHT = 160;

let schemas: Schemas | null = null;
export function invokeSchemas(): Schemas {
  return (schemas ??= buildSchemas());
}
/** What the renderer may pass. */
export type ArgOf<M extends InvokeMethod> = z.input<Schemas[M]>;
/** What a handler receives: the argument once its schema accepted it. */
export type ParsedArgOf<M extends InvokeMethod> = z.output<Schemas[M]>;

/** The IPC channel name of a method: one namespace, so nothing else can collide. */
export function invokeChannel(m: InvokeMethod): string {
  return `anima:invoke:${m}`;
}

/** A failure crosses IPC as data (Electron would flatten a thrown error into a string). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export interface Settings {
  channel: 'stable' | 'canary';
  checkIntervalHours: number;
  drainTimeoutSeconds: number;
  webPort: number;
  launchAtLogin: boolean;
  /** Where launch-at-login is not available (a development build), in words. */
  launchAtLoginUnavailable?: string;
  /** Something the user must do for launch at login to work (macOS: approve it in System Settings). */
  launchAtLoginNote?: string;
}

/** The outcome of the last operation the user started (from the window, the tray or the CLI). */
export interface OutcomeView {
  operation: string;
  ok: boolean;
  message: string;
  at: string;
  outcome?: OperationOutcome;
  error?: ErrorBody;
}

/** A home this user opened with the app, as the tray and the window list it. */
export interface HomeView {
  home: string;
  /** The path for people: under the user's home as ~/…, long ones shortened in the middle. */
  label: string;
  environment: string | null;
  /** The home of this instance (this window). */
  current: boolean;
}

export type Connection = 'connecting' | 'connected' | 'not-running';

/** Everything the window and the tray render. */
export interface AppState {
  home: string;
  appVersion: string;
  connection: Connection;
  /** From the supervisor while connected; read from the home when none runs. */
  status: HomeStatus | null;
  /** Why there is no status (a config.json broken by hand…). */
  error: string | null;
  /** The operation this app asked for, while it runs. */
  busy: string | null;
  /** Progress of the current (or last) operation, in order. */
  progress: ProgressEvent[];
  lastOutcome: OutcomeView | null;
}

export interface InvokeResults {
  getState: AppState;
  start: Result<OperationOutcome>;
  stop: Result<OperationOutcome>;
  restart: Result<OperationOutcome>;
  checkForUpdates: Result<UpdateState | null>;
  upgrade: Result<OperationOutcome>;
  skipVersion: Result<UpdateState | null>;
  /** The services' last minutes for the charts; null while no supervisor runs (none is started for it). */
  getVitals: Result<Vitals | null>;
  getSettings: Result<Settings>;
  setSetting: Result<Settings>;
  setLaunchAtLogin: Result<Settings>;
  getLogs: Result<string[]>;
  openDashboard: Result<null>;
  showLog: Result<null>;
  listHomes: Result<HomeView[]>;
  /** Each home opens in its own instance (its window); one already open comes to the front. */
  openHome: Result<null>;
  /** A folder picker; the home chosen, or null when the user cancelled. */
  openAnotherHome: Result<string | null>;
  showStatus: Result<null>;
  setBarHeight: Result<null>;
}

/** main → renderer events. */
export interface EventPayloads {
  state: AppState;
  progress: ProgressEvent;
  outcome: OutcomeView;
  /** A notification was clicked: bring this part of the window into view. */
  focus: { section: 'update' | 'operation' };
}
export type EventName = keyof EventPayloads;
export const EVENT_NAMES: EventName[] = ['state', 'progress', 'outcome', 'focus'];

export function eventChannel(e: EventName): string {
  return `anima:event:${e}`;
}

type MethodFn<M extends InvokeMethod> = undefined extends ArgOf<M>
  ? (arg?: ArgOf<M>) => Promise<InvokeResults[M]>
  : (arg: ArgOf<M>) => Promise<InvokeResults[M]>;

/** `window.anima`, as the preload exposes it. */
export type AnimaApi = { [M in InvokeMethod]: MethodFn<M> } & {
  /** Subscribes to a main→renderer event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
};

/** `window.animaBar`, as preload/bar.ts exposes it to the dashboard's update bar. */
export type BarApi = Pick<AnimaApi, BarMethod | 'on'>;

declare global {
  interface Window {
    anima: AnimaApi;
    animaBar: BarApi;
  }
}
