// The macOS and Windows paths of `animactl service`, run on this Linux machine through a
// stand-in Host: which files are written where, and which launchctl / schtasks commands
// run, in which order. (Their real effect can only be seen on those systems.)
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layout } from '../../main/core/home';
import { foregroundSpec, install, serviceStatus, uninstall, type Host, type Ran } from '../../main/service/manager';
import { SUPERVISOR_V8_FLAGS } from '../../main/core/supervisor-process';
import { launchdLabel, windowsTaskName } from '../../main/service/units';

function standIn(platform: NodeJS.Platform, answer: (command: string, args: string[]) => Partial<Ran> = () => ({})) {
  const root = mkdtempSync(join(tmpdir(), 'anima-service-'));
  const calls: string[] = [];
  const host: Host = {
    platform,
    env: { USERDOMAIN: 'PC' },
    homedir: join(root, 'user'),
    uid: 501,
    username: 'ada',
    run(command, args) {
      calls.push([command, ...args].join(' '));
      return { status: 0, stdout: '', stderr: '', ...answer(command, args) };
    },
  };
  const paths = layout(join(root, 'home'));
  const spec = foregroundSpec(paths, 120, { ANIMA_SUPERVISOR_ENTRY: '/opt/anima/dist/supervisor.cjs' });
  return { host, paths, spec, calls };
}

describe('service on macOS (launchd), through a stand-in host', () => {
  it('install writes the LaunchAgent and bootstraps it into gui/<uid>; status reads launchctl print; uninstall boots it out', () => {
    const { host, paths, spec, calls } = standIn('darwin', (_c, args) =>
      args[0] === 'print' ? { stdout: `gui/501/${launchdLabel(paths.home)} = {\n\tstate = running\n\tpid = 777\n}` } : {},
    );
    expect(spec.args).toEqual([...SUPERVISOR_V8_FLAGS, '/opt/anima/dist/supervisor.cjs', '--home', paths.home, '--foreground']);
    const label = launchdLabel(paths.home);
    const r = install(paths, spec, host);
    const file = join(host.homedir, 'Library', 'LaunchAgents', `${label}.plist`);
    expect(r).toMatchObject({ kind: 'launchd', name: label, file, registered: true });
    expect(readFileSync(file, 'utf8')).toContain(`<string>${label}</string>`);
    expect(calls).toEqual([`launchctl bootout gui/501/${label}`, `launchctl bootstrap gui/501 ${file}`]);
    expect(serviceStatus(paths, host)).toMatchObject({ present: true, registered: true, manager: { state: 'running', pid: 777 }, supervisor: null });
    const un = uninstall(paths, host);
    expect(un).toMatchObject({ removed: true, unregistered: true });
    expect(existsSync(file)).toBe(false);
  });

  it('a failed bootstrap leaves the plist and says what to run', () => {
    const { host, paths, spec } = standIn('darwin', (_c, args) => (args[0] === 'bootstrap' ? { status: 5, stderr: 'Bootstrap failed: 5: Input/output error' } : {}));
    const r = install(paths, spec, host);
    expect(r.registered).toBe(false);
    expect(r.problem).toMatch(/Input\/output error/);
    expect(r.todo).toEqual([`launchctl bootstrap gui/501 '${r.file}'`]);
  });
});

describe('service on Windows (Task Scheduler), through a stand-in host', () => {
  it('install registers a logon task from UTF-16 XML and runs it now; status queries it; uninstall ends and deletes it', () => {
    const { host, paths, spec, calls } = standIn('win32', (_c, args) => (args[0] === '/Query' ? { stdout: 'TaskName: \\Anima\nStatus:   Running\n' } : {}));
    const name = windowsTaskName(paths.home);
    const r = install(paths, spec, host);
    expect(r).toMatchObject({ kind: 'schtasks', name, file: join(paths.run, 'service-task.xml'), registered: true });
    const bytes = readFileSync(r.file);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const xml = bytes.subarray(2).toString('utf16le');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-16"\?>/);
    expect(xml).toContain('<UserId>PC\\ada</UserId>');
    expect(calls).toEqual([`schtasks /Create /TN ${name} /XML ${r.file} /F`, `schtasks /Run /TN ${name}`]);
    expect(serviceStatus(paths, host)).toMatchObject({ registered: true, manager: { state: 'Running' } });
    expect(uninstall(paths, host)).toMatchObject({ removed: true, unregistered: true });
    expect(calls.slice(-2)).toEqual([`schtasks /End /TN ${name}`, `schtasks /Delete /TN ${name} /F`]);
    expect(existsSync(r.file)).toBe(false);
  });

  it('a task that is not registered reads as such', () => {
    const { host, paths } = standIn('win32', () => ({ status: 1, stderr: 'ERROR: The system cannot find the file specified.' }));
    expect(serviceStatus(paths, host)).toMatchObject({ present: false, registered: false, manager: null });
  });
});
