import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { controlSocketPath } from './control-endpoint';

/**
 * Where a home's files live. One place, so that the manager, the supervisor and
 * the tests agree on the layout of architecture.md.
 */
export interface HomeLayout {
  home: string;
  config: string;
  runtime: string;
  versions: string;
  current: string;
  run: string;
  logs: string;
  socket: string;
  lock: string;
  operation: string;
  agentStatus: string;
  updateState: string;
  supervisorPid: string;
  pidFile(service: string): string;
  log(name: string): string;
  version(v: string): string;
}

/**
 * The home to manage: an explicit flag, then ANIMA_HOME, then ~/.anima. Deliberately
 * never a checkout's `.anima-dev`: a development home must be asked for by name.
 */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.ANIMA_HOME && env.ANIMA_HOME.trim() !== '' ? env.ANIMA_HOME : undefined);
  return resolve(chosen ?? join(homedir(), '.anima'));
}

export function layout(home: string): HomeLayout {
  const h = resolve(home);
  const run = join(h, 'run');
  const logs = join(h, 'logs');
  const runtime = join(h, 'runtime');
  const versions = join(runtime, 'versions');
  return {
    home: h,
    config: join(h, 'config.json'),
    runtime,
    versions,
    current: join(runtime, 'current'),
    run,
    logs,
    socket: controlSocketPath(h, run),
    lock: join(run, 'operation.lock'),
    operation: join(run, 'operation.json'),
    agentStatus: join(run, 'agent-status.json'),
    updateState: join(run, 'update-check.json'),
    supervisorPid: join(run, 'supervisor.pid'),
    pidFile: (service) => join(run, `${service}.pid`),
    log: (name) => join(logs, `${name}.log`),
    version: (v) => join(versions, v),
  };
}
