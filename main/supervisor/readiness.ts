import { readFileSync } from 'node:fs';
import { AnimaError } from '../core/errors';
import { httpGet, type HttpResult } from '../core/http';
import { isSameOrDescendant, portOwner } from '../core/port';
import { tailLines } from '../core/log-tail';
import type { Service } from './service';

/** Resolves once a just-launched service is ready; throws ESTART (with its log's last lines) when it won't be. */
export type ReadinessProbe = (svc: Service, signal?: AbortSignal) => Promise<void>;

/** The user cancelled while we waited: the service goes, and the operation winds down like after a failure. */
export function cancelled(what: string): AnimaError {
  return new AnimaError('ECANCELLED', `Cancelled by the user while ${what}`);
}

export interface ProbeTarget {
  service: string;
  version: string;
  logFile: string;
}

function startFailure(t: ProbeTarget, what: string): AnimaError {
  const tail = tailLines(t.logFile, 15).join('\n');
  return new AnimaError('ESTART', `${t.service} ${t.version} ${what}.\nLast lines of ${t.logFile}:\n${tail}`, { details: { service: t.service, version: t.version, logTail: tail } });
}

export interface Ownership {
  port: number;
  /** ANIMA_WEB_NONCE of this start (runtime contract §2). */
  nonce: string;
}

/**
 * Who answered our health check, when it is not the web service we started: another
 * program may have taken the port between our check and the service's own listen, and
 * its page would then be shown as the dashboard. A service that echoes the start's nonce
 * proves itself; otherwise the socket's owner must be our child (or one of its children).
 */
export function foreignListener(res: HttpResult, svc: Service, o: Ownership): string | null {
  const echoed = res.headers['x-anima-nonce'];
  if (echoed !== undefined) return echoed === o.nonce ? null : 'a web service of another start (its nonce does not match)';
  // Windows gives no owner without a native helper: there the nonce is the only proof.
  if (process.platform === 'win32' || svc.pid === null) return null;
  const owner = portOwner(o.port);
  if (owner && isSameOrDescendant(owner.pid, svc.pid)) return null;
  // We can always see our own children's sockets: an owner we can't see belongs to another user.
  return owner ? `pid ${owner.pid} (${owner.command})` : 'a process of another user';
}

/** Web is ready when GET /api/health answers 200 (runtime contract §3), from the service we started. */
export function healthProbe(t: ProbeTarget, url: string, timeoutMs: number, ownership: Ownership): ReadinessProbe {
  return async (svc, signal) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!svc.alive) throw startFailure(t, 'exited while starting');
      if (signal?.aborted) {
        await svc.terminate(5000);
        throw cancelled(`waiting for ${t.service} ${t.version} to answer /api/health`);
      }
      let res: HttpResult | null = null;
      try {
        res = await httpGet(url, 1000);
      } catch {
        // Not listening yet.
      }
      if (res?.status === 200) {
        const foreign = foreignListener(res, svc, ownership);
        if (!foreign) return;
        await svc.terminate(5000);
        throw new AnimaError('EPORT_FOREIGN', `Port ${ownership.port} on 127.0.0.1 is answered by ${foreign}, not by the web service Anima started (pid ${svc.pid ?? '?'}); its page is not Anima's dashboard`, {
          hint: 'Stop that program, or choose another port: animactl config set web.port <port>',
          details: { service: t.service, version: t.version, port: ownership.port },
        });
      }
      // Fine-grained: a restart should cost the runtime's boot, not our polling.
      await delay(HEALTH_POLL_MS);
    }
    await svc.terminate(5000);
    throw startFailure(t, `did not answer /api/health with 200 within ${Math.round(timeoutMs / 1000)} s`);
  };
}

const HEALTH_POLL_MS = 25;

/**
 * The agent has no health endpoint. It is up as soon as it says so itself (its status file,
 * runtime contract §4, names its pid), or, for a runtime that keeps no status file, once it
 * has survived its first moments.
 */
export function agentProbe(t: ProbeTarget, statusFile: string, survivalMs: number): ReadinessProbe {
  return async (svc, signal) => {
    const deadline = Date.now() + survivalMs;
    while (Date.now() < deadline) {
      if (signal?.aborted) {
        await svc.terminate(5000);
        throw cancelled(`starting ${t.service} ${t.version}`);
      }
      if (!svc.alive) throw startFailure(t, 'exited while starting');
      if (svc.pid !== null && statusPid(statusFile) === svc.pid) return;
      await delay(HEALTH_POLL_MS);
    }
    if (!svc.alive) throw startFailure(t, 'exited while starting');
  };
}

function statusPid(file: string): number | null {
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
