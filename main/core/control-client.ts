import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { AnimaError, errorCode } from './errors';
import type { HomeLayout } from './home';
import { MAX_MESSAGE_BYTES, type Method, type ParamsOf, type Response, type SupervisorEvent } from './protocol';

/**
 * A client of one home's supervisor, shared by the CLI and the tray app. Requests are
 * answered by id; events arrive as 'event'. If the supervisor goes away, every
 * pending request fails with a clear error and the client emits 'close'.
 */
export class ControlClient extends EventEmitter {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }>();
  private buffer = '';
  private closed = false;

  private constructor(private readonly socket: Socket, private readonly where: string) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('close', () => this.onClose());
    socket.on('error', () => {
      // 'close' follows and reports.
    });
  }

  static connect(socketPath: string, timeoutMs = 2000): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AnimaError('ESUPERVISOR_TIMEOUT', `The supervisor at ${socketPath} did not accept a connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlClient(socket, socketPath));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  request<M extends Method>(method: M, params: ParamsOf<M>, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(this.goneError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = { resolve, reject };
      if (opts.timeoutMs) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new AnimaError('ESUPERVISOR_TIMEOUT', `The supervisor did not answer "${method}" within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
      this.pending.set(id, entry);
      this.socket.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  close(): void {
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private goneError(): AnimaError {
    return new AnimaError('ESUPERVISOR_GONE', `The supervisor (${this.where}) closed the connection`, {
      hint: 'It may have stopped or crashed; see logs/supervisor.log in the home, and run `animactl status`.',
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_MESSAGE_BYTES * 4) {
      this.socket.destroy(new Error('oversized message from the supervisor'));
      return;
    }
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let msg: Response | SupervisorEvent;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if ('event' in msg) {
        this.emit('event', msg);
        continue;
      }
      const p = this.pending.get(msg.id);
      if (!p) continue;
      this.pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new AnimaError(msg.error.code, msg.error.message, { hint: msg.error.hint, details: msg.error.details, exitCode: msg.error.code === 'EUSAGE' ? 2 : 1 }));
    }
  }

  private onClose(): void {
    const wasClosed = this.closed;
    this.closed = true;
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.goneError());
    }
    this.pending.clear();
    if (!wasClosed) this.emit('close');
  }
}

/** The running supervisor of a home, or null when none answers (a stale socket counts as none). */
export async function connectIfRunning(paths: HomeLayout, timeoutMs = 2000): Promise<ControlClient | null> {
  if (process.platform !== 'win32' && !existsSync(paths.socket)) return null;
  try {
    return await ControlClient.connect(paths.socket, timeoutMs);
  } catch (e) {
    if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(errorCode(e) ?? '')) return null;
    throw e;
  }
}

/** Where the bundled supervisor entry lives, next to the CLI (or one level up, from the app's bundle). */
export function supervisorEntry(): string {
  const override = process.env.ANIMA_SUPERVISOR_ENTRY;
  if (override) return override;
  // Inside a packaged app this is a path in app.asar: fine, Electron as Node reads it.
  const candidates = [join(__dirname, 'supervisor.cjs'), join(__dirname, '..', 'supervisor.cjs')];
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
    return {
      command: i.appImage,
      args: ['-e', `require(require('node:path').join(process.env.APPDIR, ${JSON.stringify(inMount)}))`],
      env: { ...asNode, ANIMA_HOME: i.home },
    };
  }
  return { command: i.execPath, args: [i.entry, '--home', i.home], env: { ...asNode, ANIMA_HOME: i.home } };
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
