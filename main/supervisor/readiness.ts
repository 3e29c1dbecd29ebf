import { AnimaError } from '../core/errors';
import { httpGet } from '../core/http';
import { tailLines } from '../core/log-tail';
import type { Service } from './service';

/** Resolves once a just-launched service is ready; throws ESTART (with its log's last lines) when it won't be. */
export type ReadinessProbe = (svc: Service) => Promise<void>;

export interface ProbeTarget {
  service: string;
  version: string;
  logFile: string;
}

function startFailure(t: ProbeTarget, what: string): AnimaError {
  const tail = tailLines(t.logFile, 15).join('\n');
  return new AnimaError('ESTART', `${t.service} ${t.version} ${what}.\nLast lines of ${t.logFile}:\n${tail}`, { details: { service: t.service, version: t.version, logTail: tail } });
}

/** Web is ready when GET /api/health answers 200 (runtime contract §3). */
export function healthProbe(t: ProbeTarget, url: string, timeoutMs: number): ReadinessProbe {
  return async (svc) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!svc.alive) throw startFailure(t, 'exited while starting');
      try {
        if ((await httpGet(url, 1000)).status === 200) return;
      } catch {
        // Not listening yet.
      }
      await delay(150);
    }
    await svc.terminate(5000);
    throw startFailure(t, `did not answer /api/health with 200 within ${Math.round(timeoutMs / 1000)} s`);
  };
}

/** The agent has no health endpoint: it counts as running once it has survived its first moments. */
export function survivalProbe(t: ProbeTarget, ms: number): ReadinessProbe {
  return async (svc) => {
    await delay(ms);
    if (!svc.alive) throw startFailure(t, 'exited while starting');
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
