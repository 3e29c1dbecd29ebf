// AppState builders for the pure tests (no supervisor needed to render a menu).
import type { AppState } from '../../main/shared/ipc-contract';
import type { HomeStatus, ServiceStatus, UpdateState } from '../../main/shared/status';

const svc = (state: ServiceStatus['state'], extra: Partial<ServiceStatus> = {}): ServiceStatus => ({
  state,
  pid: state === 'stopped' ? null : 4242,
  startedAt: state === 'stopped' ? null : new Date(Date.now() - 90_000).toISOString(),
  ...extra,
});

export function status(o: { web?: ServiceStatus['state']; agent?: ServiceStatus['state']; active?: number; queued?: number; version?: string | null; environment?: string; update?: Partial<UpdateState> | null; operation?: string } = {}): HomeStatus {
  const web = o.web ?? 'running';
  const agent = o.agent ?? web;
  return {
    home: '/home/u/.anima',
    environment: o.environment ?? 'stable',
    channel: o.environment === 'canary' ? 'canary' : 'stable',
    runtime: { package: '@meetquinn/animactl', version: o.version === undefined ? '1.1.0' : o.version, pinned: o.version === undefined ? '1.1.0' : o.version },
    services: {
      web: svc(web, { url: 'http://127.0.0.1:4280' }),
      agent: svc(agent, agent === 'running' ? { active: o.active ?? 0, queued: o.queued ?? 0 } : {}),
    },
    supervisor: { pid: 100 },
    operation: o.operation ? { kind: o.operation, startedAt: new Date().toISOString(), step: null } : null,
    update: o.update === null || o.update === undefined ? null : { channel: 'stable', current: '1.1.0', target: null, available: false, downgrade: false, skipped: false, checkedAt: new Date().toISOString(), lastSuccessAt: new Date().toISOString(), ...o.update },
  };
}

export function appState(st: HomeStatus | null, o: Partial<AppState> = {}): AppState {
  return { home: '/home/u/.anima', appVersion: '0.1.0', connection: 'connected', status: st, error: null, busy: null, progress: [], lastOutcome: null, ...o };
}
