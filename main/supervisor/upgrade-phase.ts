import * as z from 'zod/mini';
import '../shared/zod-english';

/**
 * The upgrade transaction as data, after VS Code's update `State`: each phase carries
 * what the next one, or a recovery after a crash, needs to know. The supervisor writes
 * the phase to run/operation.json (through `checkpoint`) *before* it acts on it, so a
 * supervisor killed at any moment leaves a record the next one can settle.
 *
 *   resolving ──► installed{from,to,before} ──► draining ──► switched ──► verifying ──► verified ──► done
 *      │                                           │            │             │
 *      ▼                                           └────────────┴─────────────┴──► rolling-back{failure} ──► rolled back
 *   (failed, or nothing newer: nothing had stopped)
 *
 * Recovery after a crash (`recoverUpgrade`), by the phase found:
 *   resolving, installed                 → nothing had changed what runs: discard
 *   draining, switched, verifying        → roll back to `from`, verify it
 *   rolling-back                         → finish the rollback
 *   verified                             → keep `to`
 */
export const UPGRADE_PHASES = ['resolving', 'installed', 'draining', 'switched', 'verifying', 'verified', 'rolling-back'] as const;
export type UpgradeStep = (typeof UPGRADE_PHASES)[number];

const snapshot = z.object({
  webPid: z.nullable(z.number()),
  agentPid: z.nullable(z.number()),
  startedAt: z.nullable(z.string()),
  providerDigests: z.record(z.string(), z.string()),
});

const failure = z.object({ check: z.string(), detail: z.string(), logTail: z.optional(z.string()) });

/** Known from the start: where we come from, and whether the home ran (a stopped home stays stopped). */
const origin = { from: z.nullable(z.string()), wasRunning: z.boolean() };
/** Known once the new version is installed beside the old one. */
const target = { ...origin, to: z.string(), before: snapshot };

export const UpgradePhaseSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('resolving'), ...origin }),
  z.object({ step: z.literal('installed'), ...target }),
  z.object({ step: z.literal('draining'), ...target }),
  z.object({ step: z.literal('switched'), ...target }),
  z.object({ step: z.literal('verifying'), ...target }),
  z.object({ step: z.literal('verified'), ...target }),
  z.object({ step: z.literal('rolling-back'), ...target, failure }),
]);
export type UpgradePhase = z.infer<typeof UpgradePhaseSchema>;
export type UpgradeFailure = z.infer<typeof failure>;
/** The data of a phase that knows its target: what a rollback needs. */
export type UpgradeTarget = Extract<UpgradePhase, { step: 'installed' }> extends infer P ? Omit<P, 'step'> : never;

/**
 * What run/operation.json holds for an upgrade, or for the recovery of one: the phase,
 * plus, for a recovery, the phase the upgrade itself was cut at (`interruptedAt`), kept
 * so that a recovery cut short in turn is settled the same way.
 */
export const UpgradeRecordSchema = z.intersection(
  z.object({ kind: z.enum(['upgrade', 'recover-upgrade']), interruptedAt: z.optional(z.enum(UPGRADE_PHASES)) }),
  UpgradePhaseSchema,
);
export type UpgradeRecord = z.infer<typeof UpgradeRecordSchema>;

export const UPGRADE_KINDS: ReadonlySet<string> = new Set(['upgrade', 'recover-upgrade']);
