// A test world: a real registry with the reference runtime published in the
// versions and broken variants tests need, a sandboxed HOME and npm cache, fresh
// Anima homes, and the real CLI run as a child process.
import { mkdtempSync, rmSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startRegistry, type TestRegistry } from './registry';
import { buildRuntimePackage, buildTinyDep, type PkgVariant, type RuntimeFixtureOptions } from './fixtures';

export const REPO = join(__dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli.cjs');
export const PKG = '@meetquinn/animactl';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onStderr?: (chunk: string, child: ReturnType<typeof spawn>) => void;
}

export interface World {
  registry: TestRegistry;
  /**
   * A home ready for supervised runs: its own free web port, short test timeouts.
   * Every supervisor and service started on it is killed by close().
   */
  supervisedHome(extraEnv?: NodeJS.ProcessEnv): Promise<{ home: string; port: number; env: NodeJS.ProcessEnv }>;
  tmp: string;
  /** Environment for children: HOME and the npm cache sandboxed, the registry chosen. */
  env: NodeJS.ProcessEnv;
  newHome(): string;
  publishRuntime(opts: RuntimeFixtureOptions, tag?: string): Promise<string>;
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** `cli` for a step the test builds on: when it fails, the test fails there, with what the CLI said, not later with a puzzling symptom. */
  cliOk(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** Kills every supervisor and service started on this world's supervised homes, at once (also safe in a signal handler). */
  killAll(): void;
  close(): Promise<void>;
}

export const BROKEN_VARIANTS: PkgVariant[] = ['no-anima-block', 'main-escapes', 'main-absolute', 'main-missing', 'wrong-contract', 'engines-unsatisfiable', 'bad-dependency'];

/** The standard catalogue: stable 1.0.0 and 1.1.0 (latest), canary 1.2.0-canary.1. */
export async function publishStandardRuntimes(world: World): Promise<void> {
  await world.publishRuntime({ version: '1.0.0' });
  await world.publishRuntime({ version: '1.1.0' });
  await world.publishRuntime({ version: '1.2.0-canary.1' }, 'canary');
}

export async function startWorld(opts: { standard?: boolean } = {}): Promise<World> {
  const tmp = mkdtempSync(join(tmpdir(), 'anima-world-'));
  const registry = await startRegistry();
  const fakeUserHome = join(tmp, 'user');
  mkdirSync(fakeUserHome, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: fakeUserHome,
    USERPROFILE: fakeUserHome,
    ANIMA_REGISTRY: registry.url,
    npm_config_cache: join(tmp, 'npm-cache'),
    npm_config_update_notifier: 'false',
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    // The run's code cache (test/global-setup.ts), when there is one: compiled once for all the worlds.
    ...(process.env.ANIMA_CODE_CACHE ? { ANIMA_CODE_CACHE: process.env.ANIMA_CODE_CACHE } : {}),
  };
  let homes = 0;
  const supervised: string[] = [];
  const world: World = {
    registry,
    async supervisedHome(extraEnv = {}) {
      const home = join(tmp, `home-${++homes}`);
      const port = await freePort();
      supervised.push(home);
      return {
        home,
        port,
        env: {
          ANIMA_HOME: home,
          ANIMA_WEB_PORT: String(port),
          ANIMA_WEB_START_TIMEOUT_MS: '8000',
          ANIMA_RESTART_BASE_MS: '100',
          ANIMA_SUPERVISOR_IDLE_MS: '600000',
          ANIMA_FIRST_UPDATE_CHECK_MS: '600000',
          ...extraEnv,
        },
      };
    },
    tmp,
    env,
    newHome: () => join(tmp, `home-${++homes}`),
    async publishRuntime(o, tag) {
      const dir = buildRuntimePackage(join(tmp, 'pkgs'), o);
      await registry.publish(dir, tag ? { tag } : undefined);
      return dir;
    },
    cli(args, o = {}) {
      return runCli(args, { env: { ...env, ...(o.home ? { ANIMA_HOME: o.home } : {}), ...o.env }, cwd: o.cwd, onStderr: o.onStderr });
    },
    async cliOk(args, o) {
      const r = await world.cli(args, o);
      // A thrown Error, not expect(): bench/ uses worlds outside vitest too.
      if (r.code !== 0) throw new Error(`animactl ${args.join(' ')} exited with ${r.code}\n--- stderr\n${r.stderr}--- stdout\n${r.stdout}`);
      return r;
    },
    killAll() {
      for (const home of supervised) killHome(home);
    },
    async close() {
      world.killAll();
      await registry.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  await registry.publish(buildTinyDep(join(tmp, 'pkgs'), '1.0.0'));
  await registry.publish(buildTinyDep(join(tmp, 'pkgs'), '1.1.0'));
  if (opts.standard !== false) await publishStandardRuntimes(world);
  return world;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Test cleanup: SIGKILL whatever a home's pid files name (supervisor, web, agent), so no test leaves processes behind. */
export function killHome(home: string): void {
  for (const f of ['supervisor.pid', 'web.pid', 'agent.pid']) {
    try {
      const { pid } = JSON.parse(readFileSync(join(home, 'run', f), 'utf8'));
      process.kill(pid, 'SIGKILL');
    } catch {
      // Not running.
    }
  }
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every live process started for this home as one of its services, read from /proc (Linux). */
export function serviceProcesses(home: string): { web: number[]; agent: number[] } {
  const found = { web: [] as number[], agent: [] as number[] };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    const vars = environ.split('\0');
    if (!vars.includes(`ANIMA_HOME=${home}`)) continue;
    const service = vars.find((v) => v.startsWith('ANIMA_SERVICE='))?.slice('ANIMA_SERVICE='.length);
    if (service === 'web' || service === 'agent') found[service].push(Number(entry));
  }
  return found;
}

/**
 * The real CLI as a child process, with exactly this environment (an empty or undefined
 * value means "unset": spawn would pass it on as a string).
 */
export function runCli(args: string[], o: { env: NodeJS.ProcessEnv; cwd?: string; onStderr?: (chunk: string, child: ReturnType<typeof spawn>) => void }): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...o.env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined || childEnv[k] === '') delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: o.cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      o.onStderr?.(String(d), child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
