// `animactl service install | uninstall | status` and the supervisor's foreground mode
// (issue 12, item 4). The systemd unit is checked by systemd-analyze, the launchd plist
// by parsing it, the Windows task as data; the foreground supervisor runs exactly as the
// unit's ExecStart says, next to the real CLI, registry and reference runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceProcesses, startWorld, type World } from '../helpers/world';
import { launchdPlist, systemdUnit, windowsAction, windowsQuote, windowsTaskXml, type ServiceSpec } from '../../main/service/units';

const AWKWARD_HOME = '/home/a user/100% "anima" $HOME\\x';

function spec(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    home: AWKWARD_HOME,
    command: process.execPath,
    args: ['/opt/anima desktop/dist/supervisor.cjs', '--home', AWKWARD_HOME, '--foreground'],
    env: { ANIMA_HOME: AWKWARD_HOME, ELECTRON_RUN_AS_NODE: '1' },
    stopTimeoutSeconds: 150,
    logFile: `${AWKWARD_HOME}/logs/supervisor.log`,
    ...over,
  };
}

// ------------------------------------------------------------------ reading the files back

/** ExecStart= and Environment= words as systemd reads them (quotes, C escapes, %% and $$). */
function systemdWords(value: string): string[] {
  const words: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|(\S+)/g;
  for (let m; (m = re.exec(value)); ) {
    words.push((m[1] ?? m[2]).replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return words;
}

function unitLines(text: string, key: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

type Plist = string | number | boolean | Plist[] | { [k: string]: Plist };

/** Enough of Apple's plist XML for what launchd reads: dict, array, key, string, integer, true, false. */
function parsePlist(xml: string): Plist {
  const tokens = [...xml.replace(/<\?xml[^>]*\?>|<!DOCTYPE[^>]*>/g, '').matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>|([^<]+)/g)];
  let i = 0;
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const skipSpace = () => {
    while (i < tokens.length && tokens[i][4] !== undefined && !tokens[i][4].trim()) i++;
  };
  const text = (tag: string): string => {
    let s = '';
    while (tokens[i][4] !== undefined) s += tokens[i++][4];
    expect(tokens[i][1] + tokens[i][2]).toBe(`/${tag}`);
    i++;
    return unescape(s);
  };
  const value = (): Plist => {
    skipSpace();
    const [, close, tag, selfClosing] = tokens[i++];
    expect(close).toBe('');
    if (selfClosing) {
      expect(['true', 'false']).toContain(tag);
      return tag === 'true';
    }
    if (tag === 'plist') {
      const v = value();
      skipSpace();
      i++;
      return v;
    }
    if (tag === 'string') return text(tag);
    if (tag === 'integer') return Number(text(tag));
    if (tag === 'array' || tag === 'dict') {
      const items: Plist[] = [];
      const dict: Record<string, Plist> = {};
      for (;;) {
        skipSpace();
        if (tokens[i][1] === '/') {
          expect(tokens[i++][2]).toBe(tag);
          return tag === 'array' ? items : dict;
        }
        if (tag === 'array') items.push(value());
        else {
          expect(tokens[i++][2]).toBe('key');
          const k = text('key');
          dict[k] = value();
        }
      }
    }
    throw new Error(`unexpected <${tag}>`);
  };
  return value();
}

/** CommandLineToArgvW's rules (the Microsoft C runtime's), to read a task's command line back. */
function windowsSplit(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      let n = 0;
      while (line[i] === '\\') {
        n++;
        i++;
      }
      if (line[i] === '"') {
        cur += '\\'.repeat(n >> 1);
        if (n % 2) cur += '"';
        else inQuotes = !inQuotes;
      } else {
        cur += '\\'.repeat(n);
        i--;
      }
      started = true;
    } else if (c === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if (/\s/.test(c) && !inQuotes) {
      if (started) args.push(cur);
      cur = '';
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) args.push(cur);
  return args;
}

describe('service definitions, as data', () => {
  it('the systemd unit passes `systemd-analyze verify` and says what it runs, however awkward the home path', (ctx) => {
    const s = spec({ args: [join(__dirname, '..', '..', 'dist', 'supervisor.cjs'), '--home', AWKWARD_HOME, '--foreground'] });
    const text = systemdUnit(s);
    expect(systemdWords(unitLines(text, 'ExecStart')[0])).toEqual([s.command, ...s.args]);
    expect(unitLines(text, 'Environment').map((e) => systemdWords(e)[0])).toEqual(['ANIMA_HOME=' + AWKWARD_HOME, 'ELECTRON_RUN_AS_NODE=1']);
    expect(unitLines(text, 'Restart')).toEqual(['on-failure']);
    expect(unitLines(text, 'KillMode')).toEqual(['process']);
    expect(unitLines(text, 'WantedBy')).toEqual(['default.target']);
    const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      process.stderr.write('skipped systemd-analyze verify: systemd-analyze is not installed (Debian: apt-get install systemd)\n');
      ctx.skip();
    }
    const dir = join(world.tmp, 'units');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'anima-test.service');
    writeFileSync(file, text);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The check itself works: a broken line is reported on stderr (with exit code 0).
    writeFileSync(file, text.replace('KillMode=process', 'KillMode=sometimes'));
    expect(spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' }).stderr).toMatch(/KillMode|kill mode/i);
  });

  it('the launchd plist parses to a KeepAlive, RunAtLoad agent running the supervisor in the foreground', () => {
    const s = spec();
    const plist = parsePlist(launchdPlist(s)) as Record<string, Plist>;
    expect(plist).toMatchObject({
      Label: expect.stringMatching(/^ai\.meetquinn\.anima-[0-9a-f]{10}$/),
      ProgramArguments: [s.command, ...s.args],
      EnvironmentVariables: s.env,
      WorkingDirectory: AWKWARD_HOME,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      AbandonProcessGroup: true,
      ExitTimeOut: 150,
      StandardErrorPath: s.logFile,
    });
  });

  it('the Windows logon task runs the same command line, and sets the environment through cmd.exe when needed', () => {
    for (const arg of ['plain', 'with space', 'quote"inside', 'C:\\dir with space\\', 'trailing\\\\', '', 'a\\"b']) {
      expect(windowsSplit(`x ${windowsQuote(arg)} y`)).toEqual(['x', arg, 'y']);
    }
    const s = spec({ home: 'C:\\Users\\a user\\.anima', command: 'C:\\Program Files\\nodejs\\node.exe', args: ['C:\\app\\supervisor.cjs', '--home', 'C:\\Users\\a user\\.anima', '--foreground'], env: {} });
    const plain = windowsAction(s);
    expect(plain.command).toBe(s.command);
    expect(windowsSplit(plain.args)).toEqual(s.args);
    const xml = windowsTaskXml(s, 'PC\\a user');
    expect(xml).toMatch(/<LogonTrigger>\s*<Enabled>true<\/Enabled>\s*<UserId>PC\\a user<\/UserId>/);
    expect(xml).toContain('<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>');
    expect(xml).toContain('<RunLevel>LeastPrivilege</RunLevel>');
    expect(xml).toContain(`<Command>${s.command}</Command>`);
    const electron = windowsAction({ ...s, env: { ELECTRON_RUN_AS_NODE: '1' } });
    expect(electron.command).toBe('cmd.exe');
    expect(electron.args).toBe(`/d /s /c "set "ELECTRON_RUN_AS_NODE=1" && ${[s.command, ...s.args].map(windowsQuote).join(' ')}"`);
  });
});

// ------------------------------------------------------------------ the CLI and the foreground supervisor

let world: World;
const started: ChildProcess[] = [];
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
  await world?.close();
});

function sandbox(name: string) {
  const config = join(world.tmp, `${name}-xdg`);
  return { config, env: { XDG_CONFIG_HOME: config } };
}

/** A PATH with stand-ins for systemctl and loginctl that log their arguments: the "user bus exists" branch. */
function fakeSystemd(name: string, linger: 'yes' | 'no'): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const bin = join(world.tmp, `${name}-bin`);
  mkdirSync(bin, { recursive: true });
  const log = join(bin, 'calls.log');
  writeFileSync(
    join(bin, 'systemctl'),
    `#!/bin/sh\necho "systemctl $*" >> "${log}"\ncase "$*" in *show*) printf 'UnitFileState=enabled\\nActiveState=active\\nSubState=running\\nMainPID=4242\\n';; esac\nexit 0\n`,
  );
  writeFileSync(join(bin, 'loginctl'), `#!/bin/sh\necho "loginctl $*" >> "${log}"\necho ${linger}\n`);
  for (const f of ['systemctl', 'loginctl']) chmodSync(join(bin, f), 0o755);
  return { env: { PATH: `${bin}:${process.env.PATH}` }, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('animactl service', () => {
  it('install writes the unit and, with no user bus, says what to run; status tells the truth; uninstall removes it', async () => {
    const home = world.newHome();
    const { config, env } = sandbox('nobus');
    const install = await world.cli(['service', 'install', '--json'], { home, env });
    expect(install.code, install.stderr).toBe(0);
    const r = JSON.parse(install.stdout);
    expect(r).toMatchObject({ kind: 'systemd', registered: false, todo: ['systemctl --user daemon-reload', `systemctl --user enable --now ${r.name}`] });
    expect(r.file).toBe(join(config, 'systemd', 'user', r.name));
    expect(readFileSync(r.file, 'utf8')).toContain(`--home" "${home}" "--foreground"`);
    expect(existsSync(home)).toBe(true);

    const text = await world.cli(['service', 'install'], { home, env });
    expect(text.stderr).toMatch(/Not registered yet: systemctl --user daemon-reload failed/);
    expect(text.stderr).toContain(`  systemctl --user enable --now ${r.name}`);

    const status = await world.cli(['service', 'status', '--json'], { home, env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: r.name, file: r.file, present: true, registered: null, supervisor: null, problem: expect.stringMatching(/systemctl --user could not be asked/) });

    const un = await world.cli(['service', 'uninstall', '--json'], { home, env });
    expect(JSON.parse(un.stdout)).toMatchObject({ removed: true, file: r.file });
    expect(existsSync(r.file)).toBe(false);
    const after = await world.cli(['service', 'status'], { home, env });
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/\(absent\)/);
    expect((await world.cli(['service', 'uninstall'], { home, env })).stdout).toMatch(/Nothing was registered/);
  });

  it('with a user bus: daemon-reload and enable --now, no linger hint for a lingering user, and uninstall disables it', async () => {
    const home = world.newHome();
    const { env } = sandbox('bus');
    const fake = fakeSystemd('bus', 'yes');
    const install = await world.cli(['service', 'install'], { home, env: { ...env, ...fake.env } });
    expect(install.code, install.stderr).toBe(0);
    const name = readdirSync(join(env.XDG_CONFIG_HOME, 'systemd', 'user'))[0];
    expect(install.stdout).toContain(`Registered and started ${name}`);
    expect(install.stderr).not.toMatch(/linger/);
    expect(fake.calls().filter((c) => c.startsWith('systemctl'))).toEqual(['systemctl --user daemon-reload', `systemctl --user enable --now ${name}`]);
    const status = JSON.parse((await world.cli(['service', 'status', '--json'], { home, env: { ...env, ...fake.env } })).stdout);
    expect(status).toMatchObject({ registered: true, manager: { state: 'active (running)', pid: 4242 } });
    await world.cli(['service', 'uninstall'], { home, env: { ...env, ...fake.env } });
    expect(fake.calls()).toContain(`systemctl --user disable --now ${name}`);

    const notLingering = fakeSystemd('nolinger', 'no');
    const again = await world.cli(['service', 'install'], { home, env: { ...env, ...notLingering.env, USER: 'someone' } });
    expect(again.stderr).toMatch(/someone is not lingering.*loginctl enable-linger someone/);
  });
});

describe('the supervisor in the foreground, as the unit runs it', () => {
  /** Starts the supervisor with the unit's own ExecStart and Environment lines. */
  async function startAsUnit(home: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const { env: xdg } = sandbox(`fg-${started.length}`);
    const r = JSON.parse((await world.cliOk(['service', 'install', '--json'], { home, env: { ...env, ...xdg } })).stdout);
    const text = readFileSync(r.file, 'utf8');
    const [command, ...args] = systemdWords(unitLines(text, 'ExecStart')[0]);
    const unitEnv = Object.fromEntries(unitLines(text, 'Environment').map((e) => systemdWords(e)[0].split(/=(.*)/s).slice(0, 2)));
    const child = spawn(command, args, { cwd: unitLines(text, 'WorkingDirectory')[0], env: { ...world.env, ...env, ANIMA_SUPERVISOR_WAIT_MS: '200', ...unitEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const statusOf = async (home: string, env: NodeJS.ProcessEnv) => JSON.parse((await world.cliOk(['status', '--json'], { home, env })).stdout);
  const supervisorIs = (home: string, env: NodeJS.ProcessEnv, pid: number) => async () => ((await statusOf(home, env)).supervisor?.pid === pid ? true : undefined);
  /** Supervisor processes of this home, from /proc: the proof that there is never a second one. */
  const supervisorsOf = (home: string) =>
    readdirSync('/proc').filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return /^\d+$/.test(p) && cmd.some((a) => a.endsWith('supervisor.cjs')) && cmd.includes(home) && readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
      } catch {
        return false;
      }
    });

  it('`status` reports it, a client `start` uses it rather than starting another, and SIGTERM stops the services and exits 0', async () => {
    const { home, env } = await world.supervisedHome();
    const fg = await startAsUnit(home, env);
    await waitFor('the foreground supervisor', supervisorIs(home, env, fg.child.pid!));
    expect(fg.output()).toMatch(/nothing pinned in this home yet/);
    const svc = JSON.parse((await world.cli(['service', 'status', '--json'], { home, env: { ...env, ...sandbox('fg-0').env } })).stdout);
    expect(svc.supervisor).toMatchObject({ pid: fg.child.pid, by: 'service manager' });

    const start = await world.cli(['start', '--no-browser'], { home, env });
    expect(start.code, start.stderr).toBe(0);
    const s = await statusOf(home, env);
    expect(s.supervisor.pid).toBe(fg.child.pid);
    expect(s.services.web.state).toBe('running');
    expect(supervisorsOf(home)).toEqual([String(fg.child.pid)]);

    fg.child.kill('SIGTERM');
    expect(await fg.exited).toBe(0);
    expect(serviceProcesses(home)).toEqual({ web: [], agent: [] });
    expect((await statusOf(home, env)).supervisor).toBeNull();
  });

  it('next to an on-demand supervisor it waits (no exit, no restart loop), takes over when that one exits, and at its own start runs the pin', async () => {
    const { home, env } = await world.supervisedHome();
    await world.cliOk(['start', '--no-browser'], { home, env });
    const onDemand = (await statusOf(home, env)).supervisor.pid;

    const fg = await startAsUnit(home, env);
    await waitFor('the foreground supervisor to wait', async () => (/waiting for it to exit, then taking over/.test(fg.output()) ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    expect(fg.child.exitCode).toBeNull();
    expect((await statusOf(home, env)).supervisor.pid).toBe(onDemand);
    const svc = JSON.parse((await world.cli(['service', 'status', '--json'], { home, env: { ...env, ...sandbox('fg-1').env } })).stdout);
    expect(svc.supervisor).toMatchObject({ pid: onDemand, by: 'client' });
    expect(supervisorsOf(home).length).toBe(2); // one waiting, not supervising: it holds no lock and no socket

    // The user's stop ends the on-demand supervisor; the service's takes over and doesn't undo the stop.
    await world.cliOk(['stop'], { home, env });
    await waitFor('the take-over', supervisorIs(home, env, fg.child.pid!));
    expect(fg.output()).toMatch(/took over/);
    const after = await statusOf(home, env);
    expect(after.services.web.state).toBe('stopped');
    expect(supervisorsOf(home)).toEqual([String(fg.child.pid)]);
    fg.child.kill('SIGTERM');
    expect(await fg.exited).toBe(0);

    // At boot (the lock free), a home with a pin gets its services started.
    const boot = await startAsUnit(home, env);
    await waitFor('the services started at boot', async () => {
      const s = await statusOf(home, env);
      return s.supervisor?.pid === boot.child.pid && s.services.web.state === 'running' && s.services.agent.state === 'running' ? true : undefined;
    });
    boot.child.kill('SIGTERM');
    expect(await boot.exited).toBe(0);
    expect(serviceProcesses(home)).toEqual({ web: [], agent: [] });
  });
});
