import type { Context } from './context';
import { readLockHolder } from './lock';
import { currentVersion, installedVersions } from './runtime-store';
import { readPidFile } from './pidfile';
import { isSameProcess } from './process-identity';

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

export async function runtimeStatus(ctx: Context): Promise<RuntimeStatus> {
  const registry = await ctx.registry();
  return {
    package: ctx.packageName,
    registry: registry.url,
    registrySource: registry.source,
    channel: ctx.channel,
    current: currentVersion(ctx.paths),
    pinned: ctx.config.runtime.version ?? null,
    installed: installedVersions(ctx.paths, ctx.packageName).map((r) => r.version),
  };
}

/** Status of a home with no supervisor running; an operation (a CLI install) may still hold the lock. */
export function offlineStatus(ctx: Context): HomeStatus {
  const holder = readLockHolder(ctx.paths.lock);
  // No supervisor, but a crashed one may have left services running: the pid files (checked by start time) tell.
  const fromPidFile = (name: string): ServiceStatus => {
    const rec = readPidFile(ctx.paths.pidFile(name));
    return rec && isSameProcess(rec) ? { state: 'running', pid: rec.pid, startedAt: rec.startedAt } : { state: 'stopped', pid: null, startedAt: null };
  };
  return {
    home: ctx.home,
    environment: ctx.environment,
    channel: ctx.channel,
    runtime: { package: ctx.packageName, version: currentVersion(ctx.paths), pinned: ctx.config.runtime.version ?? null },
    services: { web: { ...fromPidFile('web'), url: `http://127.0.0.1:${ctx.webPort}` }, agent: fromPidFile('agent') },
    supervisor: null,
    operation: holder ? { kind: holder.operation, startedAt: holder.startedAt, step: null, pid: holder.pid } : null,
  };
}
