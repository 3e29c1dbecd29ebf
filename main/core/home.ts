import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/** Folders of the home that only its user may enter; the runtime's own data lives under the home, so inherits its 0700. */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;
// In run/: the runtime's own status file is not ours to touch (contract §5).
const NOT_OURS = new Set(['agent-status.json']);

/**
 * Creates the home's folders private (0700), and makes an existing home so: the home,
 * run/ and logs/ become 0700 and the manager's files in them (pid files, records, logs)
 * 0600, since a home created by an older version was world-readable. Best effort on
 * Windows, where modes mean little (the profile folder is per-user already).
 */
export function securePrivateHome(paths: HomeLayout): void {
  for (const d of [paths.home, paths.runtime, paths.versions, paths.run, paths.logs]) mkdirSync(d, { recursive: true, mode: PRIVATE_DIR });
  if (process.platform === 'win32') return;
  for (const d of [paths.home, paths.runtime, paths.run, paths.logs]) chmodIfNot(d, PRIVATE_DIR);
  chmodIfNot(paths.config, PRIVATE_FILE);
  for (const d of [paths.run, paths.logs]) {
    for (const name of readdirSync(d)) {
      if (NOT_OURS.has(name)) continue;
      const file = join(d, name);
      if (statSafe(file)?.isFile()) chmodIfNot(file, PRIVATE_FILE);
    }
  }
}

/** Opens (creating if need be) a log the manager or a service appends to, 0600 even when it is new. */
export function ensurePrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR });
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  if (process.platform !== 'win32') chmodIfNot(file, PRIVATE_FILE);
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function chmodIfNot(path: string, mode: number): void {
  const st = statSafe(path);
  if (!st || (st.mode & 0o777) === mode) return;
  try {
    chmodSync(path, mode);
  } catch {
    // Someone else's file in our home (root-owned after a sudo run): reported nowhere, fixed by the user.
  }
}
