import type { Context } from '../core/context';
import { updateConfig } from '../core/config';
import { AnimaError } from '../core/errors';
import { readFailedUpgrade, readUpdateRecord } from '../core/update-check';
import { decideAgainst } from '../core/update-policy';
import type { Channel } from '../shared/settings';
import type { UpdateState } from '../shared/status';

/** The version the offer proposes to upgrade to: newer than what runs, and not skipped; null otherwise. */
export function offeredUpgrade(offer: UpdateState | null): string | null {
  return offer?.available && !offer.skipped && !offer.downgrade ? offer.target : null;
}

interface Found {
  channel: Channel;
  target: string | null;
  checkedAt: string;
}

/**
 * The update offer the supervisor publishes. One state for every client: the last check
 * (the supervisor's own, or one a CLI made: both land in run/update-check.json), decided
 * afresh against what runs now, the home's channel and the skip list, so installing,
 * upgrading or skipping never leaves a stale "update available", and a channel change
 * drops the other channel's answer until the next check. Checks publish; preparing what they
 * offer is prepare.ts's job, and nothing is ever activated without the user.
 */
export class UpdateOffer {
  private found: Found | null = null;
  private failure: { message: string; checkedAt: string } | null = null;
  /** run/update-check.json as last read: the times of the last check and the last good one. */
  private record: ReturnType<typeof readUpdateRecord> = null;

  state(ctx: Context, running: string | null): UpdateState | null {
    this.absorb(ctx);
    if (!this.found && !this.failure) return null;
    const found = this.found?.channel === ctx.channel ? this.found : null;
    const current = running ?? ctx.config.runtime.version ?? null;
    const d = decideAgainst({ channel: ctx.channel, current, target: found?.target ?? null, skipped: ctx.config.updates.skipped });
    const failed = readFailedUpgrade(ctx);
    const error = this.failure && (!this.found || this.failure.checkedAt > this.found.checkedAt) ? this.failure.message : undefined;
    const record = this.record;
    return {
      channel: d.channel,
      current: d.current,
      target: d.target,
      available: d.available,
      downgrade: d.downgrade,
      skipped: d.skipped,
      checkedAt: record?.checkedAt ?? this.found?.checkedAt ?? null,
      lastSuccessAt: record?.lastSuccessAt ?? this.found?.checkedAt ?? null,
      ...(error ? { error } : {}),
      // A target whose upgrade failed is still offered, with the reason: the user decides whether to try again.
      ...(failed && failed.version === d.target ? { failedUpgrade: failed } : {}),
    };
  }

  /** The last answer (as of the last `state`) is for another channel than the home's now: time to ask again. */
  isForOtherChannel(ctx: Context): boolean {
    return !!this.found && this.found.channel !== ctx.channel;
  }

  /** Takes in a check recorded since, by us or by a CLI. */
  private absorb(ctx: Context): void {
    const rec = (this.record = readUpdateRecord(ctx.paths.updateState));
    if (!rec) return;
    if (rec.ok && rec.decision) {
      if (!this.found || rec.checkedAt > this.found.checkedAt) this.found = { channel: rec.decision.channel, target: rec.decision.target, checkedAt: rec.checkedAt };
    } else if (rec.error && (!this.failure || rec.checkedAt > this.failure.checkedAt)) {
      this.failure = { message: rec.error.message, checkedAt: rec.checkedAt };
    }
  }
}

export interface UpdatesDeps {
  context(): Context;
  /** Asks the registry (in the registry worker); the answer, or the failure, lands in run/update-check.json. */
  check(timeoutMs?: number): Promise<void>;
  runningVersion(): string | null;
  emitState(): void;
}

/**
 * The home's updates as the supervisor publishes them: the offer (above), re-asked once
 * when the channel changes under it, and the runtime's narrow rights over it (runtime
 * contract §7: only the version on offer).
 */
export class Updates {
  readonly offer = new UpdateOffer();
  private recheckedFor: string | null = null;

  constructor(private readonly d: UpdatesDeps) {}

  state(ctx: Context): UpdateState | null {
    const state = this.offer.state(ctx, this.d.runningVersion());
    // A channel changed by any client (even by editing config.json) is asked about once, soon.
    if (this.offer.isForOtherChannel(ctx) && this.recheckedFor !== ctx.channel) {
      this.recheckedFor = ctx.channel;
      setImmediate(() => void this.check().catch(() => {}));
    }
    return state;
  }

  /** Asks the registry now and publishes what it offers (the supervisor may then prepare it: prepare.ts). */
  async check(opts: { timeoutMs?: number } = {}): Promise<UpdateState | null> {
    try {
      await this.d.check(opts.timeoutMs);
    } catch {
      // Recorded in run/update-check.json with its reason, like a success: state() reads it.
    }
    this.d.emitState();
    return this.state(this.d.context());
  }

  /** "Skip 1.5.0": saved in config.json; a newer version prompts again. */
  skip(version: string): UpdateState | null {
    updateConfig(this.d.context().paths.config, (c) => {
      if (!c.updates.skipped.includes(version)) c.updates.skipped.push(version);
    });
    this.d.emitState();
    return this.state(this.d.context());
  }

  /** A runtime may only ever ask for the version on offer. */
  assertOffered(version: string): void {
    const offer = this.state(this.d.context());
    if (!offer?.available || offer.target !== version) {
      throw new AnimaError('ENOTOFFERED', `${version} is not the version on offer${offer?.available && offer.target ? ` (${offer.target} is)` : ' (nothing newer is offered)'}: a runtime can only skip or start the offered upgrade`);
    }
  }
}
