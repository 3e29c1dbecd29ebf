import { z } from 'zod';
import type { Check, HomeStatus, UpdateState, VerifyResult, Vitals } from './status';
import type { Config } from './settings';

/**
 * The supervisor's control protocol: newline-delimited JSON over <home>/run/control.sock.
 * Clients send requests; the supervisor answers each by id, and pushes events
 * (state, progress, log lines) to clients that subscribed. Every method has its params
 * (a zod schema, checked by the supervisor) and its result type (`ResultOf`) here, in
 * one place; docs/design.md describes the wire format.
 *
 * A client's first request is `hello` with its PROTOCOL_VERSION; a supervisor that speaks
 * another version (an older or newer Anima Desktop left it running) is refused by the
 * client with a clear "restart the supervisor" message rather than misread.
 */
export { PROTOCOL_VERSION, MAX_MESSAGE_BYTES } from './protocol-version';

const version = z.string().min(1).max(100);
const channel = z.enum(['stable', 'canary']);
// A client's own choices travel with its request (the supervisor may have been started by
// someone else): registry and package, and where the registry came from, for error messages.
const overrides = { registry: z.string().url().optional(), registrySource: z.string().max(200).optional(), package: z.string().min(1).max(214).optional() };

export const RequestParams = {
  /** The handshake: the client's protocol version; the supervisor answers with its own. */
  hello: z
    .object({
      protocol: z.number().int().nonnegative(),
      client: z.string().max(100).optional(),
      challenge: z.string().regex(/^[0-9a-f]{32}$/).optional(),
      /** A runtime's own connection (its web service showing the offer) gets RUNTIME_METHODS only. */
      role: z.enum(['client', 'runtime']).optional(),
    })
    .strict(),
  ping: z.object({}).strict(),
  status: z.object({}).strict(),
  subscribe: z.object({ logs: z.boolean().optional() }).strict(),
  start: z.object({ version: version.optional(), channel: channel.optional(), ...overrides }).strict(),
  stop: z.object({ force: z.boolean().optional() }).strict(),
  restart: z.object({ force: z.boolean().optional(), version: version.optional(), channel: channel.optional(), ...overrides }).strict(),
  verify: z.object({}).strict(),
  logs: z.object({ service: z.enum(['web', 'agent', 'supervisor', 'manager']), lines: z.number().int().min(0).max(10_000) }).strict(),
  shutdown: z.object({}).strict(),
  /** Ask the registry now (never silently installs anything). */
  'check-updates': z.object({}).strict(),
  /** The one click: to the channel's target, or to an exact version (an explicit downgrade included). */
  upgrade: z.object({ version: version.optional(), ...overrides }).strict(),
  /** For a runtime: start the one-click upgrade to the version on offer, and only that one. Answers once it has started. */
  'upgrade-offered': z.object({ version }).strict(),
  /** "Skip 1.5.0": no more prompts for it; a newer one prompts again. */
  'skip-version': z.object({ version }).strict(),
  /** Cancels the running operation: an upgrade or restart then rolls back like a failure. */
  cancel: z.object({}).strict(),
  /** CPU, memory and agent load of the last minutes, for the status window's charts. */
  vitals: z.object({}).strict(),
  'config-get': z.object({}).strict(),
  /** One validated setting, as `animactl config set KEY VALUE` takes it. */
  'config-set': z.object({ key: z.string().min(1).max(100), value: z.string().max(10_000) }).strict(),
} as const;

export type Method = keyof typeof RequestParams;
export type ParamsOf<M extends Method> = z.infer<(typeof RequestParams)[M]>;

/** What each method answers with. */
export interface Results {
  /** `proof`: HMAC of the challenge with the home's key (run/control.key), so a client knows this is the home's own supervisor. */
  hello: { protocol: number; pid: number; home: string; proof?: string };
  ping: { pid: number; home: string };
  status: HomeStatus;
  subscribe: HomeStatus;
  start: OperationOutcome;
  stop: OperationOutcome;
  restart: OperationOutcome;
  verify: VerifyResult;
  logs: string[];
  shutdown: { ok: true };
  'check-updates': UpdateState;
  upgrade: OperationOutcome;
  'upgrade-offered': { started: string };
  'skip-version': UpdateState | null;
  /** What was asked to stop, or null when nothing could be cancelled. */
  cancel: { cancelled: { kind: string; startedAt: string } | null };
  vitals: Vitals;
  'config-get': Config;
  'config-set': Config;
}
export type ResultOf<M extends Method> = Results[M];

/**
 * What a runtime may call (runtime contract §7; docs/control-protocol.md): read the status
 * and the offer, ask for a check, follow progress, skip the offered version, and start the
 * upgrade to the offered version. Never choose a registry, a package or another version.
 */
export const RUNTIME_METHODS: ReadonlySet<Method> = new Set<Method>(['hello', 'ping', 'status', 'subscribe', 'check-updates', 'skip-version', 'upgrade-offered']);

export const RequestEnvelope = z.object({
  id: z.number().int().nonnegative(),
  method: z.string(),
  params: z.unknown().optional(),
});

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ErrorBody };

/**
 * Steps an operation reports, in order. Upgrade: resolving → downloading (bytes, total)
 * → installing-dependencies → validating → draining (active, queued) → swapping →
 * starting → verifying (one event per check) → done | rolling-back → rolled-back | failed.
 */
export type ProgressStep =
  | 'installing' | 'resolving' | 'downloading' | 'installing-dependencies' | 'validating' | 'activating'
  | 'draining' | 'stopping' | 'swapping' | 'starting' | 'verifying' | 'crashed'
  | 'rolling-back' | 'done' | 'rolled-back' | 'failed';

export interface ProgressEvent {
  operation: string;
  step: ProgressStep | string;
  message: string;
  data?: Record<string, unknown>;
}

export interface OperationOutcome {
  operation: string;
  ok: boolean;
  message: string;
  version?: string | null;
  checks?: Check[];
  /** What a forced stop cut short, for example "2 agents mid-step". */
  forced?: string;
  /** An upgrade that failed and put the previous version back. */
  rolledBack?: { to: string; verified: boolean };
  /** The failed check or step, and the log tail, for a failed upgrade. */
  failure?: { check: string; detail: string; logTail?: string };
}

export type SupervisorEvent =
  | { event: 'state'; data: HomeStatus }
  | { event: 'progress'; data: ProgressEvent }
  | { event: 'log'; data: { service: string; line: string } };
