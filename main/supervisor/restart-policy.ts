/**
 * pm2-style exponential backoff for crashed services: each quick failure waits about
 * 1.5x longer, up to a cap; a stretch of healthy uptime forgets past failures; after
 * `maxQuickFailures` in a row the service stays crashed until a person acts.
 */
export interface RestartPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
  maxQuickFailures: number;
  /** Uptime after which a service counts as healthy again. */
  healthyAfterMs: number;
}

export const DEFAULT_POLICY: RestartPolicy = { baseMs: 500, factor: 1.5, capMs: 15_000, maxQuickFailures: 5, healthyAfterMs: 30_000 };

export function policyFromEnv(env: NodeJS.ProcessEnv): RestartPolicy {
  const n = (k: string, d: number) => (env[k] && Number.isFinite(Number(env[k])) ? Number(env[k]) : d);
  return {
    baseMs: n('ANIMA_RESTART_BASE_MS', DEFAULT_POLICY.baseMs),
    factor: DEFAULT_POLICY.factor,
    capMs: n('ANIMA_RESTART_CAP_MS', DEFAULT_POLICY.capMs),
    maxQuickFailures: n('ANIMA_RESTART_MAX_FAILURES', DEFAULT_POLICY.maxQuickFailures),
    healthyAfterMs: n('ANIMA_RESTART_HEALTHY_MS', DEFAULT_POLICY.healthyAfterMs),
  };
}

export type RestartDecision = { restart: true; delayMs: number; failures: number } | { restart: false; failures: number };

/** Given the failures so far and how long the process ran, what to do about this exit. */
export function decideRestart(policy: RestartPolicy, previousFailures: number, uptimeMs: number): RestartDecision {
  const failures = uptimeMs >= policy.healthyAfterMs ? 1 : previousFailures + 1;
  if (failures > policy.maxQuickFailures) return { restart: false, failures };
  return { restart: true, failures, delayMs: Math.min(policy.capMs, Math.round(policy.baseMs * policy.factor ** (failures - 1))) };
}
