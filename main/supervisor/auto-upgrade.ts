import type { Context } from '../core/context';
import { messageOf } from '../core/errors';
import { readFailedUpgrade } from '../core/update-check';
import type { OperationOutcome } from '../shared/control-protocol';
import type { UpdatesSettings } from '../shared/settings';
import type { AutoUpgradePlan, UpdateState } from '../shared/status';
import type { AgentActivity } from './services';
import { offeredUpgrade } from './update-offer';
import type { Service } from './service';

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
  const target = settings.auto === 'when-idle' ? offeredUpgrade(offer) : null;
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

export interface AutoUpgraderDeps {
  context(): Context;
  offer(ctx: Context): UpdateState | null;
  agent(): { proc: Service; activity: AgentActivity };
  busy(): boolean;
  upgrade(version: string): Promise<OperationOutcome>;
  progress(step: string, message: string, data?: Record<string, unknown>): void;
  onChange(): void;
  tickMs: number;
}

/**
 * Automatic upgrades (updates.auto when-idle), on a timer: publishes the plan ("will
 * upgrade to X when agents are idle") and, once the agent has been idle long enough,
 * runs the same transaction as the one click, to the offered version only.
 */
export class AutoUpgrader {
  plan: AutoUpgradePlan | null = null;
  last: UpdateState['lastAutoUpgrade'];
  private idleSince: number | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly d: AutoUpgraderDeps) {
    this.timer = setInterval(() => this.tick(), d.tickMs);
    this.timer.unref();
  }

  tick(): void {
    let ctx: Context;
    try {
      ctx = this.d.context();
    } catch {
      return; // A config.json broken by hand: nothing happens by itself until it is fixed.
    }
    const { proc, activity } = this.d.agent();
    // Idle only by the running agent's own word: a runtime that keeps no status file is never upgraded by itself.
    const known = proc.state === 'running' && activity.pid === proc.pid;
    const decision = decideAutoUpgrade({
      settings: ctx.config.updates,
      offer: this.d.offer(ctx),
      failedVersion: readFailedUpgrade(ctx)?.version ?? null,
      agent: { running: known, active: activity.active ?? 0, queued: activity.queued ?? 0 },
      idleSince: this.idleSince,
      now: Date.now(),
    });
    const changed = JSON.stringify(decision.plan) !== JSON.stringify(this.plan);
    this.plan = decision.plan;
    this.idleSince = decision.idleSince;
    if (changed) this.d.onChange();
    if (!decision.plan || !('go' in decision) || !decision.go || this.d.busy()) return;
    const to = decision.plan.target;
    this.d.progress('auto-upgrade', `Agents have been idle for ${decision.plan.idleMinutes} min: upgrading to ${to} by itself (updates.auto is when-idle)`, { to });
    void this.d
      .upgrade(to)
      .then(
        (o) => ({ to, ok: o.ok, message: o.message }),
        (e) => ({ to, ok: false, message: messageOf(e) }),
      )
      .then((r) => {
        this.last = { ...r, at: new Date().toISOString() };
        this.d.progress('auto-upgrade-done', r.message, { ...r });
        this.d.onChange();
      });
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
