import type { Context } from './context';
import type { HomeLayout } from './home';
import { readLockHolder } from './lock';
import { currentVersion, installedVersions } from './runtime-store';
import { readPidFile } from './pidfile';
import { isSameProcess } from './process-identity';
import type { HomeStatus, RuntimeStatus, ServiceStatus } from '../shared/status';

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
  const s = fromDisk(ctx.paths);
  return {
    ...s,
    environment: ctx.environment,
    channel: ctx.channel,
    runtime: { ...s.runtime, package: ctx.packageName, pinned: ctx.config.runtime.version ?? null },
    services: { web: { ...s.services.web, url: `http://127.0.0.1:${ctx.webPort}` }, agent: s.services.agent },
  };
}

/**
 * What the files of a home say without its config.json (broken by hand): the pid files,
 * the `current` link, the lock. The settings' part reads "unknown" rather than a default
 * that may not be the home's.
 */
export function offlineStatusWithoutConfig(paths: HomeLayout): HomeStatus {
  return fromDisk(paths);
}

function fromDisk(paths: HomeLayout): HomeStatus {
  const holder = readLockHolder(paths.lock);
  // No supervisor, but a crashed one may have left services running: the pid files (checked by start time) tell.
  const fromPidFile = (name: string): ServiceStatus => {
    const rec = readPidFile(paths.pidFile(name));
    return rec && isSameProcess(rec) ? { state: 'running', pid: rec.pid, startedAt: rec.startedAt } : { state: 'stopped', pid: null, startedAt: null };
  };
  return {
    home: paths.home,
    environment: 'unknown',
    channel: 'unknown',
    runtime: { package: 'unknown', version: currentVersion(paths), pinned: null },
    services: { web: fromPidFile('web'), agent: fromPidFile('agent') },
    supervisor: null,
    operation: holder ? { kind: holder.operation, startedAt: holder.startedAt, step: null, pid: holder.pid } : null,
  };
}
