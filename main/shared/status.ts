/**
 * What the supervisor reports about a home: the shapes of `animactl status --json`
 * (spec/cli.md), the update offer and verification checks. Shared by every layer
 * (core, supervisor, CLI, app, renderer): types only, no code.
 */

export type ServiceState = 'stopped' | 'starting' | 'running' | 'stopping' | 'draining' | 'crashed';

export interface ServiceStatus {
  state: ServiceState;
  pid: number | null;
  startedAt: string | null;
  url?: string;
  active?: number;
  queued?: number;
  /** Why a service is crashed (or failed to start), in words. */
  error?: string;
}

export interface OperationStatus {
  kind: string;
  startedAt: string;
  step: string | null;
  pid?: number;
}

/** What the last update check found; published as state, acted on only by a user. */
export interface UpdateState {
  channel: string;
  current: string | null;
  target: string | null;
  available: boolean;
  downgrade: boolean;
  skipped: boolean;
  checkedAt: string | null;
  lastSuccessAt: string | null;
  /** The last check failed (registry unreachable…): shown, with lastSuccessAt. */
  error?: string;
  /** The last upgrade to this target failed: never retried by itself. */
  failedUpgrade?: { version: string; at: string; reason: string };
  /** With `updates.auto when-idle`: the upgrade that will happen by itself, said before it does. */
  auto?: AutoUpgradePlan | null;
  /** The last upgrade that happened by itself, and how it ended. */
  lastAutoUpgrade?: { to: string; ok: boolean; message: string; at: string };
  /** The offered version is installed beside the running one (`updates.prepare`): the upgrade is a restart. */
  prepared?: boolean;
  /** It is being installed in the background now. */
  preparing?: boolean;
  /** Its preparation failed (the upgrade installs it again, and says why if it fails). */
  prepareError?: string;
}

/** "Will upgrade to `target` when agents are idle": shown in the status, the tray and the window. */
export interface AutoUpgradePlan {
  target: string;
  idleMinutes: number;
  /** Since when the agent has had no active and no queued items; null while it works (or isn't running). */
  idleSince: string | null;
  /** When the upgrade will start if the agent stays idle; null while it works. */
  dueAt: string | null;
}

/** The JSON of `animactl status --json` (spec/cli.md). */
export interface HomeStatus {
  home: string;
  environment: string;
  channel: string;
  runtime: { package: string; version: string | null; pinned: string | null };
  services: { web: ServiceStatus; agent: ServiceStatus };
  supervisor: { pid: number } | null;
  operation: OperationStatus | null;
  /** Present when the supervisor runs: the update check's state. */
  update?: UpdateState | null;
  /** How the last upgrade (one click, automatic, or from the runtime's dashboard) ended; read by the new version's page after its restart. */
  lastUpgrade?: { from: string | null; to: string | null; ok: boolean; message: string; at: string } | null;
}

export interface RuntimeStatus {
  package: string;
  registry: string;
  registrySource: string;
  channel: string;
  current: string | null;
  pinned: string | null;
  installed: string[];
}

/** One check of a verification (runtime contract §6), as the user sees it. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  version: string | null;
  checks: Check[];
}

/** One sample of the services' vitals, taken from the OS by the supervisor (null where it can't tell). */
export interface VitalSample {
  at: string;
  web: { cpu: number | null; rssBytes: number | null } | null;
  agent: { cpu: number | null; rssBytes: number | null; active: number; queued: number } | null;
}

/** A moment worth marking on the charts: a crash, a (re)start. */
export interface VitalMark {
  at: string;
  service: 'web' | 'agent';
  kind: 'crashed' | 'started';
}

/** The last minutes of vitals: sampled every `intervalMs` while a window watches, kept in a small ring. */
export interface Vitals {
  intervalMs: number;
  windowMs: number;
  samples: VitalSample[];
  marks: VitalMark[];
}
