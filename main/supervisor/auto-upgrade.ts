import type { UpdatesSettings } from '../shared/settings';
import type { AutoUpgradePlan, UpdateState } from '../shared/status';

export interface AgentIdleness {
  /** The agent runs: a stopped home is never upgraded behind the user's back. */
  running: boolean;
  active: number;
  queued: number;
}

export interface AutoUpgradeInput {
  settings: UpdatesSettings;
  offer: UpdateState | null;
  /** The version whose upgrade failed before (run/failed-upgrade.json): never retried by itself. */
  failedVersion: string | null;
  agent: AgentIdleness;
  /** Since when the agent has been idle, as tracked so far (ms), or null. */
  idleSince: number | null;
  now: number;
}

export type AutoUpgradeDecision = { plan: null; idleSince: null } | { plan: AutoUpgradePlan; idleSince: number | null; go: boolean };

/**
 * Whether to upgrade by itself now: only with `updates.auto when-idle`, only to the
 * version the last check offers (never a skipped one, never one that failed before), and
 * only once the agent has had no active and no queued items for `idleMinutes`. Pure: the
 * supervisor calls it on a timer and publishes the plan, so nothing happens unannounced.
 */
export function decideAutoUpgrade(i: AutoUpgradeInput): AutoUpgradeDecision {
  const { settings, offer } = i;
  const target = settings.auto === 'when-idle' && offer?.available && !offer.skipped && !offer.downgrade ? offer.target : null;
  if (!target || target === i.failedVersion || settings.skipped.includes(target)) return { plan: null, idleSince: null };
  const idle = i.agent.running && i.agent.active === 0 && i.agent.queued === 0;
  const idleSince = idle ? (i.idleSince ?? i.now) : null;
  const waitMs = settings.idleMinutes * 60_000;
  const plan: AutoUpgradePlan = {
    target,
    idleMinutes: settings.idleMinutes,
    idleSince: idleSince === null ? null : new Date(idleSince).toISOString(),
    dueAt: idleSince === null ? null : new Date(idleSince + waitMs).toISOString(),
  };
  return { plan, idleSince, go: idleSince !== null && i.now - idleSince >= waitMs };
}
