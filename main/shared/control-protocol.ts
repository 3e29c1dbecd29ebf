import * as z from 'zod/mini';
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
import './zod-english';

const version = z.string().check(z.minLength(1), z.maxLength(100));
const channel = z.enum(['stable', 'canary']);
const force = z.optional(z.boolean());
const none = z.strictObject({});
// A client's own choices travel with its request (the supervisor may have been started by
// someone else): registry and package, and where the registry came from, for error messages.
const overrides = {
  registry: z.optional(z.string().check(z.url())),
  registrySource: z.optional(z.string().check(z.maxLength(200))),
  package: z.optional(z.string().check(z.minLength(1), z.maxLength(214))),
};

export const RequestParams = {
  /** The handshake: the client's protocol version; the supervisor answers with its own. */
  hello: z.strictObject({
    protocol: z.number().check(z.int(), z.gte(0)),
    client: z.optional(z.string().check(z.maxLength(100))),
    challenge: z.optional(z.string().check(z.regex(/^[0-9a-f]{32}$/))),
    /** A runtime's own connection (its web service showing the offer) gets RUNTIME_METHODS only. */
    role: z.optional(z.enum(['client', 'runtime'])),
  }),
  ping: none,
  status: none,
  subscribe: z.strictObject({ logs: z.optional(z.boolean()) }),
  start: z.strictObject({ version: z.optional(version), channel: z.optional(channel), ...overrides }),
  stop: z.strictObject({ force }),
  restart: z.strictObject({ force, version: z.optional(version), channel: z.optional(channel), ...overrides }),
  verify: none,
  logs: z.strictObject({ service: z.enum(['web', 'agent', 'supervisor', 'manager']), lines: z.number().check(z.int(), z.gte(0), z.lte(10_000)) }),
  shutdown: none,
  /** Ask the registry now (never silently installs anything). */
  'check-updates': none,
  /** The one click: to the channel's target, or to an exact version (an explicit downgrade included). */
  upgrade: z.strictObject({ version: z.optional(version), ...overrides }),
  /** For a runtime: start the one-click upgrade to the version on offer, and only that one. Answers once it has started. */
  'upgrade-offered': z.strictObject({ version }),
  /** "Skip 1.5.0": no more prompts for it; a newer one prompts again. */
  'skip-version': z.strictObject({ version }),
  /** Cancels the running operation: an upgrade or restart then rolls back like a failure. */
  cancel: none,
  /** CPU, memory and agent load of the last minutes, for the status window's charts. */
  vitals: none,
  'config-get': none,
  /** One validated setting, as `animactl config set KEY VALUE` takes it. */
  'config-set': z.strictObject({ key: z.string().check(z.minLength(1), z.maxLength(100)), value: z.string().check(z.maxLength(10_000)) }),
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
  id: z.number().check(z.int(), z.gte(0)),
  method: z.string(),
  params: z.optional(z.unknown()),
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
