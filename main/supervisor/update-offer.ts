import type { Context } from '../core/context';
import { messageOf } from '../core/errors';
import { checkForUpdates, readFailedUpgrade, readUpdateRecord } from '../core/update-check';
import type { UpdateState } from '../shared/status';

/**
 * The update offer the supervisor publishes: what the last check found, with a failed
 * check's error and the time of the last good one, and a previous failed upgrade to the
 * same target next to it. Checks publish; they never install.
 */
export class UpdateOffer {
  state: UpdateState | null = null;

  constructor(
    private readonly context: () => Context,
    private readonly onChange: () => void,
  ) {}

  async check(opts: { timeoutMs?: number } = {}): Promise<UpdateState> {
    const ctx = this.context();
    try {
      const r = await checkForUpdates(ctx, opts);
      // A target whose upgrade failed is still offered, with the reason: the user decides whether to try again.
      const failed = readFailedUpgrade(ctx);
      const failedUpgrade = failed && failed.version === r.target ? failed : undefined;
      this.state = { channel: r.channel, current: r.current, target: r.target, available: r.available, downgrade: r.downgrade, skipped: r.skipped, checkedAt: r.checkedAt, lastSuccessAt: r.checkedAt, ...(failedUpgrade ? { failedUpgrade } : {}) };
    } catch (e) {
      const rec = readUpdateRecord(ctx.paths.updateState);
      this.state = {
        ...(this.state ?? { channel: ctx.channel, current: ctx.config.runtime.version ?? null, target: null, available: false, downgrade: false, skipped: false }),
        checkedAt: rec?.checkedAt ?? new Date().toISOString(),
        lastSuccessAt: rec?.lastSuccessAt ?? null,
        error: messageOf(e),
      };
    }
    this.onChange();
    return this.state;
  }

  /** The user skipped `version` (already saved in config.json): the offer stops prompting for it. */
  skipped(version: string): UpdateState | null {
    if (this.state && this.state.target === version) this.state = { ...this.state, skipped: true, available: false };
    this.onChange();
    return this.state;
  }
}
