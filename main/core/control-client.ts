import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { AnimaError, errorCode, isAnimaError } from './errors';
import type { HomeLayout } from './home';
import { checkProof, controlKeyPath, newChallenge, readControlKey } from './control-endpoint';
import type { Method, ParamsOf, ResultOf, Response, SupervisorEvent } from '../shared/control-protocol';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '../shared/protocol-version';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * A client of one home's supervisor, shared by the CLI and the tray app. Requests are
 * answered by id; events arrive as 'event'. If the supervisor goes away, every
 * pending request fails with a clear error and the client emits 'close'.
 */
export class ControlClient extends EventEmitter {
  private nextId = 1;
  private pending = new Map<number, Pending>();
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

  /** Connects and shakes hands: a supervisor that speaks another protocol version is refused with what to do. */
  static async connect(socketPath: string, timeoutMs = 2000, runDir?: string): Promise<ControlClient> {
    const client = await ControlClient.open(socketPath, timeoutMs);
    try {
      await client.handshake(timeoutMs, runDir);
    } catch (e) {
      client.close();
      throw e;
    }
    return client;
  }

  /**
   * Version check, then proof: with the home's run/ folder known, the supervisor must
   * answer our challenge with the home's key, or whatever listens there is not it.
   */
  private async handshake(timeoutMs: number, runDir?: string): Promise<void> {
    let theirs: number | null = null;
    let pid: number | null = null;
    const challenge = newChallenge();
    try {
      const hello = await this.request('hello', { protocol: PROTOCOL_VERSION, challenge }, { timeoutMs });
      theirs = hello.protocol;
      pid = hello.pid;
      if (theirs === PROTOCOL_VERSION && runDir) this.checkIdentity(runDir, challenge, hello.proof);
    } catch (e) {
      // A supervisor from before the handshake doesn't know "hello": it speaks version 1.
      if (!(isAnimaError(e) && e.code === 'EBADREQUEST')) throw e;
      theirs = 1;
    }
    if (theirs === PROTOCOL_VERSION) return;
    throw new AnimaError('EPROTOCOL', `The supervisor running for this home (${this.where}) speaks control protocol ${theirs}; this Anima Desktop speaks ${PROTOCOL_VERSION}`, {
      hint: `Restart the supervisor: stop it with \`kill ${pid ?? '<pid in run/supervisor.pid>'}\` (its services keep running and the next supervisor adopts them), then run the command again.`,
      details: { supervisorProtocol: theirs, clientProtocol: PROTOCOL_VERSION, ...(pid ? { pid } : {}) },
    });
  }

  private checkIdentity(runDir: string, challenge: string, proof: string | undefined): void {
    const key = readControlKey(runDir);
    // No key: a supervisor that hasn't written one can't exist for this version; on Unix the
    // socket lives in the owner's private run/ folder anyway, but a Windows pipe name is open to anyone.
    if (key ? checkProof(key, challenge, proof) : process.platform !== 'win32') return;
    throw new AnimaError('ESUPERVISOR_IDENTITY', `What answers at ${this.where} is not this home's supervisor: it could not prove it holds the home's key (${controlKeyPath(runDir)})`, {
      hint: 'Another process may have taken the supervisor\'s socket or pipe name. Nothing was sent to it; stop that process, then try again.',
    });
  }

  private static open(socketPath: string, timeoutMs: number): Promise<ControlClient> {
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

  request<M extends Method>(method: M, params: ParamsOf<M>, opts: { timeoutMs?: number } = {}): Promise<ResultOf<M>> {
    if (this.closed) return Promise.reject(this.goneError());
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject };
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

/** The running supervisor of a home, or null when none answers (a stale socket, or a supervisor exiting as we connect, counts as none); one that speaks another protocol is an error. */
export async function connectIfRunning(paths: HomeLayout, timeoutMs = 2000): Promise<ControlClient | null> {
  if (process.platform !== 'win32' && !existsSync(paths.socket)) return null;
  try {
    return await ControlClient.connect(paths.socket, timeoutMs, paths.run);
  } catch (e) {
    // A supervisor exiting (after `stop`, or when idle) as we connect resets our connection,
    // before it is accepted (ECONNRESET) or before the handshake is answered (gone): none answers.
    if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ECONNRESET', 'ESUPERVISOR_GONE'].includes(errorCode(e) ?? '')) return null;
    throw e;
  }
}

