// Secrets stay secret, with a real CLI, a real supervisor and real services:
// - services get an allowlisted environment: no token, key, npm_config_* or NODE_OPTIONS
//   of whoever started the supervisor shows up in /proc/<pid>/environ;
// - `user:password@` of a registry URL appears in no output, no log, no file of the home;
// - the home is private: folders 0700, the manager's files 0600, and an existing
//   world-readable home is made private;
// - a pid file without a start time is never adopted nor signalled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readJson, serviceProcesses, startWorld, type CliResult, type World } from '../helpers/world';
import { loadNpmConfig } from '../../main/core/npm-config';

const PASSWORD = 'S3CRET-pw-7f3a';
const SECRETS: NodeJS.ProcessEnv = {
  NPM_TOKEN: 'npm-token-SECRET-1',
  GITHUB_TOKEN: 'ghp-SECRET-2',
  AWS_SECRET_ACCESS_KEY: 'aws-SECRET-3',
  // Harmless for the manager itself, but never a service's business.
  NODE_OPTIONS: '--max-old-space-size=1234',
};
const SECRET_VALUES = [PASSWORD, ...Object.values(SECRETS)] as string[];

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

const withCredentials = (url: string) => url.replace('http://', `http://alice:${PASSWORD}@`);

/** Every file under a folder (symlinks not followed), skipping the installed packages' own code. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory() && name !== 'node_modules') out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('secrets and a private home', () => {
  it('no secret reaches a service environment, an output, a log or a file of the home; the home is private', async () => {
    const h = await world.supervisedHome();
    const registry = withCredentials(world.registry.url);
    const env = { ...h.env, ...SECRETS, npm_config_registry: registry, npm_config_https_proxy: `http://bob:${PASSWORD}@127.0.0.1:9/`, npm_config_noproxy: '127.0.0.1' };
    const outputs: CliResult[] = [];
    const run = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = await world.cli(args, { home: h.home, env: { ...env, ...extra } });
      outputs.push(r);
      return r;
    };

    const install = await run(['runtime', 'install', '--version', '1.0.0', '--registry', registry]);
    expect(install.code, install.stderr).toBe(0);

    // A home made by an older version: world-readable. Starting makes it private.
    for (const d of [h.home, join(h.home, 'run'), join(h.home, 'logs')]) chmodSync(d, 0o755);
    chmodSync(join(h.home, 'config.json'), 0o644);
    writeFileSync(join(h.home, 'logs', 'manager.log'), 'an old log\n', { mode: 0o644 });

    const start = await run(['start', '--no-browser'], { ANIMA_REGISTRY: registry });
    expect(start.code, start.stderr).toBe(0);
    const check = await run(['upgrade', '--check', '--registry', registry]);
    expect(check.code, check.stderr).toBe(0);
    await run(['upgrade', '--check', '--json', '--registry', registry]);
    // A registry that refuses: its error quotes the URL it was given.
    await run(['upgrade', '--check', '--json', '--registry', withCredentials('http://127.0.0.1:9/')]);
    await run(['status', '--json']);
    await run(['runtime', 'status', '--json'], { ANIMA_REGISTRY: registry });

    // The services' environment: the allowlist and the contract's variables only.
    const procs = serviceProcesses(h.home);
    expect(procs.agent.length).toBe(1);
    expect(procs.web.length).toBe(1);
    for (const pid of [...procs.agent, ...procs.web]) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((v) => v.slice(0, v.indexOf('=')));
      expect(names.filter((n) => /TOKEN|SECRET|_KEY|^npm_|NODE_OPTIONS|PROXY/i.test(n)), `pid ${pid}`).toEqual([]);
      for (const s of SECRET_VALUES) expect(environ.join('\n')).not.toContain(s);
      expect(names.filter((n) => !n.startsWith('ANIMA_')).sort()).toEqual(expect.arrayContaining(['HOME', 'PATH']));
    }

    // No output and no file of the home holds a secret.
    for (const r of outputs) for (const s of SECRET_VALUES) expect(r.stdout + r.stderr).not.toContain(s);
    const files = filesUnder(h.home);
    expect(files).toContain(join(h.home, 'run', 'update-check.json'));
    expect(files).toContain(join(h.home, 'logs', 'supervisor.log'));
    expect(files).toContain(join(h.home, 'runtime', 'versions', '1.0.0', '.anima-install.json'));
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const s of SECRET_VALUES) expect(text, f).not.toContain(s);
    }
    // The records still say which registry, without the password.
    expect(readJson(join(h.home, 'runtime', 'versions', '1.0.0', '.anima-install.json')).registry).toBe(world.registry.url.replace('http://', 'http://***@'));

    // Private: folders 0700, the manager's files 0600 (pid files, records, config, logs).
    for (const d of [h.home, join(h.home, 'run'), join(h.home, 'logs'), join(h.home, 'runtime')]) expect(mode(d), d).toBe('700');
    const ours = [
      join(h.home, 'config.json'),
      join(h.home, 'run', 'update-check.json'),
      join(h.home, 'run', 'web.pid'),
      join(h.home, 'run', 'agent.pid'),
      join(h.home, 'run', 'supervisor.pid'),
      join(h.home, 'logs', 'web.log'),
      join(h.home, 'logs', 'agent.log'),
      join(h.home, 'logs', 'supervisor.log'),
      join(h.home, 'logs', 'manager.log'),
      join(h.home, 'runtime', 'versions', '1.0.0', '.anima-install.json'),
    ];
    for (const f of ours) expect(mode(f), f).toBe('600');

    expect((await world.cli(['stop', '--force'], { home: h.home, env: h.env })).code).toBe(0);
  });

  it('a pid file without a start time is not ours: never adopted, never signalled', async () => {
    const h = await world.supervisedHome();
    expect((await world.cli(['runtime', 'install', '--version', '1.0.0'], { home: h.home, env: h.env })).code).toBe(0);
    // An unrelated process, named by pid files that carry no start time.
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      for (const service of ['web', 'agent']) {
        writeFileSync(
          join(h.home, 'run', `${service}.pid`),
          JSON.stringify({ service, pid: stranger.pid, startTime: null, version: '1.0.0', startedAt: new Date().toISOString(), runtimeDir: join(h.home, 'runtime', 'versions', '1.0.0') }),
        );
      }
      const status = JSON.parse((await world.cli(['status', '--json'], { home: h.home, env: h.env })).stdout);
      expect(status.services.agent.state).toBe('stopped');
      expect(status.services.web.state).toBe('stopped');
      const stop = await world.cli(['stop'], { home: h.home, env: h.env });
      expect(stop.code, stop.stderr).toBe(0);
      // Still alive: nobody signalled it.
      expect(stranger.exitCode).toBe(null);
      expect(stranger.signalCode).toBe(null);
      process.kill(stranger.pid!, 0);
      // A supervisor started now does not adopt it either (the record is dropped).
      const start = await world.cli(['start', '--no-browser'], { home: h.home, env: h.env });
      expect(start.code, start.stderr).toBe(0);
      const procs = serviceProcesses(h.home);
      expect(procs.agent).not.toContain(stranger.pid);
      expect(readJson(join(h.home, 'run', 'agent.pid')).pid).not.toBe(stranger.pid);
      expect((await world.cli(['stop', '--force'], { home: h.home, env: h.env })).code).toBe(0);
      expect(stranger.exitCode).toBe(null);
      expect(existsSync(`/proc/${stranger.pid}`)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('reading the npm config writes nothing into the environment (npm\'s setEnvs would export registry URLs, passwords included)', async () => {
    const user = join(world.tmp, 'npmrc-user');
    mkdirSync(user, { recursive: true });
    writeFileSync(join(user, '.npmrc'), `registry=${withCredentials(world.registry.url)}\nproxy=http://bob:${PASSWORD}@127.0.0.1:9/\n`);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: user };
    const before = { ...env };
    const processBefore = { ...process.env };
    const npm = await loadNpmConfig(user, env);
    expect(npm.flat.registry).toBe(withCredentials(world.registry.url));
    expect(env).toEqual(before);
    await loadNpmConfig(user);
    const changed = Object.keys({ ...process.env, ...processBefore }).filter((k) => process.env[k] !== processBefore[k]);
    expect(changed).toEqual([]);
  });
});
