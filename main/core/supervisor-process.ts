import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { AnimaError } from './errors';
import { ensurePrivateFile, type HomeLayout } from './home';
import { connectIfRunning, type ControlClient } from './control-client';

/**
 * Starting a home's supervisor process: where its program is, which command runs it
 * (plain Node, Electron as Node, or through the AppImage), and the detached launch that
 * any client (CLI or app) does when none answers on the home's socket.
 */

/**
 * Whether our bundle runs from a packaged app. The app, the CLI and the supervisor are all
 * packed into app.asar (electron-builder.yml), and Electron reports paths inside it as
 * `…/resources/app.asar/…`, with Electron as Node too: so this needs neither Electron's
 * `app.isPackaged` nor `process.resourcesPath`, which the CLI and the supervisor lack.
 */
export function runsFromPackage(dir: string = __dirname): boolean {
  return /[\\/]app\.asar(?:[\\/]|$)/.test(dir);
}

/** How a supervisor names itself in run/supervisor.pid: `service status` tells the two apart by it. */
export const SUPERVISOR_LOCK = { detached: 'supervisor', foreground: 'supervisor (service manager)' } as const;

export interface SupervisorEntryOptions {
  /** Defaults to runsFromPackage(dir). */
  packaged?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The folder of our bundle (tests point it elsewhere). */
  dir?: string;
}

/** Where the bundled supervisor entry lives, next to the CLI (or one level up, from the app's bundle). */
export function supervisorEntry(opts: SupervisorEntryOptions = {}): string {
  const dir = opts.dir ?? __dirname;
  const packaged = opts.packaged ?? runsFromPackage(dir);
  // A test knob: in a packaged app an inherited variable must not make the app (or
  // `animactl` run from it) start some other program as its supervisor.
  const override = packaged ? undefined : (opts.env ?? process.env).ANIMA_SUPERVISOR_ENTRY;
  if (override) return override;
  // Inside a packaged app this is a path in app.asar: fine, Electron as Node reads it.
  const candidates = [join(dir, 'supervisor.cjs'), join(dir, '..', 'supervisor.cjs')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new AnimaError('ESUPERVISOR_MISSING', `The supervisor program is missing (looked for ${candidates.join(', ')})`, { hint: 'Run `npm run build`.' });
  return found;
}

/** How to run a Node script with the Node we have: Electron's binary runs as Node when asked to. */
export function nodeCommand(): { command: string; env: NodeJS.ProcessEnv } {
  return { command: process.execPath, env: process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {} };
}

export interface SupervisorCommandInput {
  entry: string;
  home: string;
  execPath: string;
  electron: boolean;
  /** $APPIMAGE and $APPDIR, set by the AppImage runtime when the app runs from an AppImage. */
  appImage?: string;
  appDir?: string;
}

/**
 * V8 flags for the supervisor, a process that idles for days between a few requests: only
 * V8's interpreter, none of its compilers (TurboFan, Maglev, Sparkplug). Its hot paths are
 * a status, a request, a log line: fast enough interpreted; the heavy work (resolving,
 * downloading, installing) runs in the registry worker and its children, which are started
 * without these flags. Measured on Node 20, idle with both services up: VmRSS 51 -> 46 MiB,
 * ~4 MiB of it the compilers' own code in the node binary that is never paged in, the rest
 * compiled code not kept in the heap. Not --lite-mode or --jitless (0.5 MiB less again):
 * they also take away WebAssembly, and with it fetch() (undici parses HTTP in wasm), which
 * would then crash the supervisor. Each flag must exist in the V8 of every runtime that runs
 * the supervisor (Node >= 20.17, the app's Electron as Node): Node exits with 9 on one it doesn't know.
 */
export const SUPERVISOR_V8_FLAGS: readonly string[] = ['--no-turbofan', '--no-maglev', '--no-sparkplug'];

/**
 * The command that starts a home's supervisor. From an AppImage, our executable and the
 * supervisor's code live in a temporary mount that vanishes when the app quits, while the
 * supervisor must outlive the app: so it is started through the AppImage file itself
 * (which mounts again, for as long as the supervisor runs) and finds its code in that new
 * mount through $APPDIR.
 */
export function supervisorCommand(i: SupervisorCommandInput): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const asNode: NodeJS.ProcessEnv = i.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  if (i.electron && i.appImage && i.appDir && i.entry.startsWith(i.appDir)) {
    const inMount = relative(i.appDir, i.entry);
    // electron-builder's AppRun puts `--no-sandbox` in front of every argument unless one
    // of them already is `--no-sandbox` (it does so where `unshare -Ur true` fails, as on
    // Ubuntu 24.04), and Electron as Node hands its arguments to Node's option parser,
    // which exits with 9 on `--no-sandbox` anywhere before the script. Node reads `--` as
    // the end of its options, so `-e … -- --no-sandbox` keeps AppRun from injecting the
    // flag and leaves it in process.argv only, where the bootstrap drops it before the
    // supervisor's strict argument parsing sees it. Its home comes through ANIMA_HOME. The
    // V8 flags go first: AppRun passes every argument on, and Node takes them before `-e`.
    const bootstrap = `process.argv.splice(1);require(require('node:path').join(process.env.APPDIR, ${JSON.stringify(inMount)}))`;
    return {
      command: i.appImage,
      args: [...SUPERVISOR_V8_FLAGS, '-e', bootstrap, '--', '--no-sandbox'],
      env: { ...asNode, ANIMA_HOME: i.home },
    };
  }
  return { command: i.execPath, args: [...SUPERVISOR_V8_FLAGS, i.entry, '--home', i.home], env: { ...asNode, ANIMA_HOME: i.home } };
}

/**
 * Connects to the home's supervisor, starting it first if none runs. It is detached
 * from us (its own session, output to logs/supervisor.log), so it outlives this CLI
 * call or the tray app.
 */
export async function ensureSupervisor(paths: HomeLayout, env: NodeJS.ProcessEnv = process.env, timeoutMs = 15_000): Promise<ControlClient> {
  const existing = await connectIfRunning(paths);
  if (existing) return existing;
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.run, { recursive: true });
  ensurePrivateFile(paths.log('supervisor'));
  const log = openSync(paths.log('supervisor'), 'a');
  const launch = supervisorCommand({
    entry: supervisorEntry(),
    home: paths.home,
    execPath: process.execPath,
    electron: !!process.versions.electron,
    appImage: process.env.APPIMAGE,
    appDir: process.env.APPDIR,
  });
  const child = spawn(launch.command, launch.args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...env, ...launch.env },
    cwd: paths.home,
    windowsHide: true,
  });
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  child.unref();
  closeSync(log);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await connectIfRunning(paths, 1000).catch(() => null);
    if (c) return c;
    if (exited !== null) {
      // Another client may have started one at the same moment: ours then refuses, theirs answers.
      const other = await connectIfRunning(paths, 1000).catch(() => null);
      if (other) return other;
      throw new AnimaError('ESUPERVISOR_START', `The supervisor for ${paths.home} exited with code ${exited} while starting`, { hint: `See ${paths.log('supervisor')}.` });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new AnimaError('ESUPERVISOR_START', `The supervisor for ${paths.home} did not start within ${timeoutMs} ms`, { hint: `See ${paths.log('supervisor')}.` });
}
