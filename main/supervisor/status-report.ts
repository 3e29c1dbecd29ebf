import type { Context } from '../core/context';
import { currentVersion } from '../core/runtime-store';
import type { HomeStatus, OperationStatus, ServiceStatus, UpdateState } from '../shared/status';
import type { ManagedService } from './managed-service';
import type { Services } from './services';

/**
 * The status a supervisor reports (`animactl status --json`, the app's state): what runs
 * is reported from what runs (its version, its port), not from settings that change only
 * at the next restart.
 */
export function homeStatus(ctx: Context, services: Services, operation: OperationStatus | null, update: UpdateState | null): HomeStatus {
  const activity = services.agentActivity();
  const svc = (s: ManagedService): ServiceStatus => ({ state: s.proc.state, pid: s.proc.pid, startedAt: s.proc.startedAt, ...(s.proc.error ? { error: s.proc.error } : {}) });
  const { web, agent } = services;
  const port = (web.proc.alive ? services.webPort : null) ?? ctx.webPort;
  return {
    home: ctx.home,
    environment: ctx.environment,
    channel: ctx.channel,
    runtime: { package: ctx.packageName, version: services.runningVersion ?? currentVersion(ctx.paths), pinned: ctx.config.runtime.version ?? null },
    services: {
      web: { ...svc(web), url: `http://127.0.0.1:${port}` },
      agent: { ...svc(agent), ...(agent.proc.alive ? { active: activity.active ?? 0, queued: activity.queued ?? 0 } : {}) },
    },
    supervisor: { pid: process.pid },
    operation,
    update,
  };
}
