// Registering a home's supervisor with the OS's service manager, removing it, and saying
// truthfully where things stand. The OS is reached only through `Host` (its commands and
// folders), so every platform's path runs in tests as data on any machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { HomeLayout } from '../core/home';
import { readLockHolder } from '../core/lock';
import { SUPERVISOR_LOCK, supervisorCommand, supervisorEntry } from '../core/supervisor-process';
import { encodeWindowsTask, launchdLabel, launchdPlist, systemdUnit, systemdUnitName, windowsTaskName, windowsTaskXml, type ServiceSpec } from './units';

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Host {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  homedir: string;
  uid: number;
  username: string;
  run(command: string, args: string[]): Ran;
}

export function realHost(env: NodeJS.ProcessEnv): Host {
  const info = userInfo();
  return {
    platform: process.platform,
    env,
    homedir: env.HOME || homedir(),
    uid: info.uid,
    username: env.USER || info.username,
    run(command, args) {
      const r = spawnSync(command, args, { encoding: 'utf8', env, timeout: 30_000, windowsHide: true });
      return { status: r.status, stdout: r.stdout ?? '', stderr: r.error ? r.error.message : (r.stderr ?? '') };
    },
  };
}

/** The supervisor as a service manager runs it: the command a client would detach, in the foreground. */
export function foregroundSpec(paths: HomeLayout, drainTimeoutSeconds: number, env: NodeJS.ProcessEnv): ServiceSpec {
  const launch = supervisorCommand({
    entry: supervisorEntry({ env }),
    home: paths.home,
    execPath: process.execPath,
    electron: !!process.versions.electron,
    appImage: env.APPIMAGE,
    appDir: env.APPDIR,
  });
  // Through an AppImage the bootstrap drops every argument, so the mode travels in the environment.
  const viaBootstrap = launch.args.includes('-e');
  const vars = Object.fromEntries(Object.entries(launch.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    home: paths.home,
    command: launch.command,
    args: viaBootstrap ? launch.args : [...launch.args, '--foreground'],
    env: viaBootstrap ? { ...vars, ANIMA_SUPERVISOR_FOREGROUND: '1' } : vars,
    stopTimeoutSeconds: drainTimeoutSeconds + 30,
    logFile: paths.log('supervisor'),
  };
}

export type ServiceKind = 'systemd' | 'launchd' | 'schtasks';

export interface Registration {
  kind: ServiceKind;
  /** The unit, label or task name. */
  name: string;
  /** The file we write: the unit, the plist, or the task's XML kept in the home's run/ folder. */
  file: string;
}

export function registrationFor(paths: HomeLayout, host: Host): Registration {
  if (host.platform === 'darwin') {
    const label = launchdLabel(paths.home);
    return { kind: 'launchd', name: label, file: join(host.homedir, 'Library', 'LaunchAgents', `${label}.plist`) };
  }
  if (host.platform === 'win32') {
    const name = windowsTaskName(paths.home);
    return { kind: 'schtasks', name, file: join(paths.run, 'service-task.xml') };
  }
  const name = systemdUnitName(paths.home);
  const config = host.env.XDG_CONFIG_HOME && host.env.XDG_CONFIG_HOME.startsWith('/') ? host.env.XDG_CONFIG_HOME : join(host.homedir, '.config');
  return { kind: 'systemd', name, file: join(config, 'systemd', 'user', name) };
}

export interface InstallResult extends Registration {
  /** True once the service manager has it (enabled and started); false when only the file could be written. */
  registered: boolean;
  /** What the user must still run themselves, when the service manager could not be reached. */
  todo: string[];
  /** Why it could not be reached. */
  problem: string | null;
  /** Advice that does not block: the linger hint. */
  notes: string[];
}

function firstLine(r: Ran): string {
  return (r.stderr.trim() || r.stdout.trim() || `exit code ${r.status}`).split('\n')[0];
}

function writeFileMkdir(file: string, data: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data, { mode: 0o644 });
}

/** The user has no session at boot unless lingering: a user unit would then start at their first login only. */
export function lingerNote(host: Host): string | null {
  const r = host.run('loginctl', ['show-user', host.username, '--property=Linger', '--value']);
  const lingering = r.status === 0 ? r.stdout.trim() === 'yes' : existsSync(join('/var/lib/systemd/linger', host.username));
  if (lingering) return null;
  return `${host.username} is not lingering: systemd starts user units at login, not at boot. For Anima at boot without logging in, run: loginctl enable-linger ${host.username}`;
}

export function install(paths: HomeLayout, spec: ServiceSpec, host: Host): InstallResult {
  const reg = registrationFor(paths, host);
  // The service manager changes into the home before starting us, and fails if it isn't there yet.
  mkdirSync(paths.logs, { recursive: true });
  if (reg.kind === 'systemd') {
    writeFileMkdir(reg.file, systemdUnit(spec));
    const note = lingerNote(host);
    const notes = note ? [note] : [];
    const reload = host.run('systemctl', ['--user', 'daemon-reload']);
    const todo = ['systemctl --user daemon-reload', `systemctl --user enable --now ${reg.name}`];
    if (reload.status !== 0) return { ...reg, registered: false, todo, problem: `systemctl --user daemon-reload failed: ${firstLine(reload)}`, notes };
    const enable = host.run('systemctl', ['--user', 'enable', '--now', reg.name]);
    if (enable.status !== 0) return { ...reg, registered: false, todo: todo.slice(1), problem: `systemctl --user enable --now ${reg.name} failed: ${firstLine(enable)}`, notes };
    return { ...reg, registered: true, todo: [], problem: null, notes };
  }
  if (reg.kind === 'launchd') {
    writeFileMkdir(reg.file, launchdPlist(spec));
    const domain = `gui/${host.uid}`;
    // Bootstrapping a label that is already loaded fails: replace what an earlier install loaded.
    host.run('launchctl', ['bootout', `${domain}/${reg.name}`]);
    const boot = host.run('launchctl', ['bootstrap', domain, reg.file]);
    if (boot.status !== 0) return { ...reg, registered: false, todo: [`launchctl bootstrap ${domain} '${reg.file}'`], problem: `launchctl bootstrap failed: ${firstLine(boot)}`, notes: [] };
    return { ...reg, registered: true, todo: [], problem: null, notes: [] };
  }
  writeFileMkdir(reg.file, encodeWindowsTask(windowsTaskXml(spec, windowsUser(host))));
  const args = ['/Create', '/TN', reg.name, '/XML', reg.file, '/F'];
  const create = host.run('schtasks', args);
  if (create.status !== 0) return { ...reg, registered: false, todo: [`schtasks ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`], problem: `schtasks /Create failed: ${firstLine(create)}`, notes: [] };
  // A logon trigger waits for the next logon: run it now, as systemd's --now and launchd's RunAtLoad do.
  host.run('schtasks', ['/Run', '/TN', reg.name]);
  return { ...reg, registered: true, todo: [], problem: null, notes: [] };
}

function windowsUser(host: Host): string {
  return host.env.USERDOMAIN ? `${host.env.USERDOMAIN}\\${host.username}` : host.username;
}

export interface UninstallResult extends Registration {
  /** Whether a file was there to remove. */
  removed: boolean;
  /** False when the service manager could not be told (the file is removed all the same). */
  unregistered: boolean;
  todo: string[];
  problem: string | null;
}

export function uninstall(paths: HomeLayout, host: Host): UninstallResult {
  const reg = registrationFor(paths, host);
  const present = existsSync(reg.file);
  let problem: string | null = null;
  let todo: string[] = [];
  if (reg.kind === 'systemd') {
    // Stops the supervisor too, which drains and stops its services on the way out.
    const disable = host.run('systemctl', ['--user', 'disable', '--now', reg.name]);
    rmSync(reg.file, { force: true });
    const reload = host.run('systemctl', ['--user', 'daemon-reload']);
    if (disable.status !== 0 || reload.status !== 0) {
      const failed = disable.status !== 0 ? disable : reload;
      // A unit that was never enabled is not a failure to report.
      if (!/not loaded|does not exist|No such file/i.test(failed.stderr)) {
        problem = `systemctl --user failed: ${firstLine(failed)}`;
        todo = [`systemctl --user disable --now ${reg.name}`, 'systemctl --user daemon-reload'];
      }
    }
  } else if (reg.kind === 'launchd') {
    const out = host.run('launchctl', ['bootout', `gui/${host.uid}/${reg.name}`]);
    rmSync(reg.file, { force: true });
    // launchctl says "No such process" (exit 3 or 113) for a label that isn't loaded: nothing to unload.
    if (out.status !== 0 && !/No such process|Could not find/i.test(out.stderr) && out.status !== 3 && out.status !== 113) {
      problem = `launchctl bootout failed: ${firstLine(out)}`;
      todo = [`launchctl bootout gui/${host.uid}/${reg.name}`];
    }
  } else {
    host.run('schtasks', ['/End', '/TN', reg.name]);
    const del = host.run('schtasks', ['/Delete', '/TN', reg.name, '/F']);
    rmSync(reg.file, { force: true });
    if (del.status !== 0 && present) {
      problem = `schtasks /Delete failed: ${firstLine(del)}`;
      todo = [`schtasks /Delete /TN "${reg.name}" /F`];
    }
  }
  return { ...reg, removed: present, unregistered: problem === null, todo, problem };
}

export interface ServiceStatus extends Registration {
  present: boolean;
  /** Whether the service manager has it enabled: null when it could not be asked (then `problem` says why). */
  registered: boolean | null;
  /** The service manager's own word on it (systemd: ActiveState/SubState, MainPID), when it could be asked. */
  manager: { state: string; pid: number | null } | null;
  problem: string | null;
  /** The home's supervisor, from run/supervisor.pid (checked by pid and start time), and who started it. */
  supervisor: { pid: number; startedAt: string; by: 'service manager' | 'client' } | null;
}

function parseProperties(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}

export function serviceStatus(paths: HomeLayout, host: Host): ServiceStatus {
  const reg = registrationFor(paths, host);
  const present = existsSync(reg.file);
  const holder = readLockHolder(paths.supervisorPid);
  const supervisor = holder ? { pid: holder.pid, startedAt: holder.startedAt, by: holder.operation === SUPERVISOR_LOCK.foreground ? ('service manager' as const) : ('client' as const) } : null;
  const base = { ...reg, present, supervisor };
  if (reg.kind === 'systemd') {
    const r = host.run('systemctl', ['--user', 'show', reg.name, '--property=UnitFileState,ActiveState,SubState,MainPID']);
    if (r.status !== 0) return { ...base, registered: null, manager: null, problem: `systemctl --user could not be asked: ${firstLine(r)}` };
    const p = parseProperties(r.stdout);
    const pid = Number(p.MainPID) || null;
    return { ...base, registered: p.UnitFileState === 'enabled', manager: { state: `${p.ActiveState ?? '?'} (${p.SubState ?? '?'})`, pid }, problem: null };
  }
  if (reg.kind === 'launchd') {
    const r = host.run('launchctl', ['print', `gui/${host.uid}/${reg.name}`]);
    if (r.status !== 0) return { ...base, registered: false, manager: null, problem: null };
    const state = r.stdout.match(/^\s*state = (.+)$/m)?.[1] ?? 'loaded';
    const pid = Number(r.stdout.match(/^\s*pid = (\d+)$/m)?.[1]) || null;
    return { ...base, registered: true, manager: { state, pid }, problem: null };
  }
  const r = host.run('schtasks', ['/Query', '/TN', reg.name, '/FO', 'LIST']);
  if (r.status !== 0) return { ...base, registered: false, manager: null, problem: null };
  return { ...base, registered: true, manager: { state: r.stdout.match(/^Status:\s*(.+)$/m)?.[1]?.trim() ?? 'registered', pid: null }, problem: null };
}
