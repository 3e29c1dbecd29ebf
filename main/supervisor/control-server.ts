import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import { errorBody } from '../core/errors';
import { redactDeep } from '../core/redact';
import { MAX_MESSAGE_BYTES, RequestEnvelope, RequestParams, RUNTIME_METHODS, type Method, type ParamsOf, type ResultOf, type Response, type SupervisorEvent } from '../shared/control-protocol';

/** One handler per method of the protocol, typed by it: the supervisor's method table. */
export type Handlers = { [M in Method]: (params: ParamsOf<M>, client: ClientConnection) => ResultOf<M> | Promise<ResultOf<M>> };

/** Runs before every validated request: for example, waiting for a crash recovery to settle. */
export type BeforeRequest = (method: Method) => Promise<unknown> | void;

export interface ClientConnection {
  /** Set by `hello`: a runtime's connection may call RUNTIME_METHODS only. */
  role: 'client' | 'runtime';
  subscribed: boolean;
  logs: boolean;
  send(msg: Response | SupervisorEvent): void;
}

/**
 * Newline-delimited JSON over a Unix socket (a named pipe on Windows). Every line gets
 * an answer; malformed, unknown or oversized requests get an error answer and never
 * reach the supervisor's logic, let alone crash it.
 */
export function startControlServer(path: string, handlers: Handlers, before: BeforeRequest = () => {}): Promise<{ server: Server; clients: Set<ClientConnection>; broadcast(ev: SupervisorEvent): void }> {
  const clients = new Set<ClientConnection>();
  const server = createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    const conn: ClientConnection = {
      role: 'client',
      subscribed: false,
      logs: false,
      // Everything that leaves the supervisor (answers, state, progress, log lines) passes
      // here: a credential quoted by npm or printed by a runtime into its log is cut out
      // before any client (the app's windows included) sees it.
      send: (msg) => {
        if (!socket.destroyed) socket.write(JSON.stringify(redactDeep(msg)) + '\n');
      },
    };
    clients.add(conn);
    socket.on('close', () => clients.delete(conn));
    socket.on('error', () => clients.delete(conn));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) void dispatch(line, conn, handlers, before);
      }
      if (Buffer.byteLength(buffer) > MAX_MESSAGE_BYTES) {
        conn.send({ id: -1, ok: false, error: { code: 'EMESSAGE_TOO_LARGE', message: `A request over ${MAX_MESSAGE_BYTES} bytes was refused; the connection is closed` } });
        buffer = '';
        socket.end();
      }
    });
  });
  return new Promise((resolve, reject) => {
    if (process.platform !== 'win32') rmSync(path, { force: true });
    // Owner-only from the first moment: no window in which another user could connect.
    const umask = process.umask(0o177);
    server.once('error', (e) => {
      process.umask(umask);
      reject(e);
    });
    server.listen(path, () => {
      process.umask(umask);
      if (process.platform !== 'win32') chmodSync(path, 0o600);
      resolve({
        server,
        clients,
        broadcast: (ev) => {
          for (const c of clients) if (c.subscribed && (ev.event !== 'log' || c.logs)) c.send(ev);
        },
      });
    });
  });
}

async function dispatch(line: string, conn: ClientConnection, handlers: Handlers, before: BeforeRequest): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    conn.send({ id: -1, ok: false, error: { code: 'EBADREQUEST', message: 'The request is not valid JSON' } });
    return;
  }
  const env = RequestEnvelope.safeParse(raw);
  if (!env.success) {
    conn.send({ id: -1, ok: false, error: { code: 'EBADREQUEST', message: 'A request needs a numeric "id" and a "method"' } });
    return;
  }
  const { id, method } = env.data;
  if (!(method in RequestParams)) {
    conn.send({ id, ok: false, error: { code: 'EBADREQUEST', message: `Unknown method "${method}"` } });
    return;
  }
  // The role is taken as the hello is read, before anything awaits: a runtime may send its
  // next request without waiting for the answer, and that one must already be narrowed.
  if (method === 'hello' && (roleOf(env.data.params) === 'runtime')) conn.role = 'runtime';
  if (conn.role === 'runtime' && !RUNTIME_METHODS.has(method as Method)) {
    conn.send({ id, ok: false, error: { code: 'EFORBIDDEN', message: `"${method}" is not available to a runtime: it may read the status and the offer, ask for a check, skip or start the offered upgrade` } });
    return;
  }
  const params = RequestParams[method as Method].safeParse(env.data.params ?? {});
  if (!params.success) {
    const issue = params.error.issues[0];
    conn.send({ id, ok: false, error: { code: 'EUSAGE', message: `Invalid "${method}" request: ${issue.path.join('.') || 'params'} ${issue.message}` } });
    return;
  }
  try {
    await before(method as Method);
    const result = await call(handlers, method as Method, params.data, conn);
    conn.send({ id, ok: true, result: result ?? null });
  } catch (e) {
    conn.send({
      id,
      ok: false,
      error: errorBody(e, 'EINTERNAL'),
    });
  }
}

/** The one place where a validated request meets its typed handler. */
function call<M extends Method>(handlers: Handlers, method: M, params: unknown, conn: ClientConnection): ResultOf<M> | Promise<ResultOf<M>> {
  return handlers[method](params as ParamsOf<M>, conn);
}

function roleOf(params: unknown): unknown {
  return params && typeof params === 'object' ? (params as { role?: unknown }).role : undefined;
}
