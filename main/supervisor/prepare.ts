import type { Context } from '../core/context';
import { errorCode, messageOf } from '../core/errors';
import { isInstalled } from '../core/runtime-store';
import type { UpdateState } from '../shared/status';
import { offeredUpgrade } from './update-offer';

export interface PreparerDeps {
  context(): Context;
  offer(ctx: Context): UpdateState | null;
  /** OperationRunner.runInBackground: under the home's lock, cancelled by any operation; null when it can't start now. */
  runInBackground<T>(kind: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> | null;
  /** Installs the version beside the running one, not pinned (the registry worker's install task). */
  install(version: string, signal: AbortSignal): Promise<unknown>;
  onChange(): void;
}

/**
 * Prepared upgrades (`updates.prepare`, on by default): once a check offers a newer
 * version, it is installed beside the running one in the background, the way an editor
 * downloads its update before showing "Restart to update". Nothing runs from it and the
 * pin doesn't change until the user clicks Upgrade, which then finds it installed: the
 * click costs the drain, the restart and the checks, not a download and an install. Any
 * operation the user starts cancels a preparation under way (it goes first); a failed
 * one is tried again after the next check, and the click installs as it always did.
 */
export class Preparer {
  /** The version being prepared now. */
  preparing: string | null = null;
  /** The last preparation that failed (not cancelled), for the status. */
  failed: { version: string; message: string } | null = null;

  constructor(private readonly d: PreparerDeps) {}

  /** After a check (and at start-up): prepares the offered version if it should be and isn't yet. */
  maybePrepare(): void {
    let ctx: Context;
    try {
      ctx = this.d.context();
    } catch {
      return; // A config.json broken by hand: nothing happens by itself until it is fixed.
    }
    const target = preparable(ctx, this.d.offer(ctx));
    if (!target || this.preparing) return;
    const job = this.d.runInBackground('prepare', (signal) => this.d.install(target, signal));
    if (!job) return;
    this.preparing = target;
    this.d.onChange();
    job.then(
      () => {
        this.failed = null;
      },
      (e) => {
        if (errorCode(e) !== 'ECANCELLED') this.failed = { version: target, message: messageOf(e) };
      },
    ).finally(() => {
      this.preparing = null;
      this.d.onChange();
    });
  }
}

/** The offered version to prepare now, or null: only an upgrade the user is offered and hasn't declined, and that isn't on disk yet. */
export function preparable(ctx: Context, offer: UpdateState | null): string | null {
  const target = ctx.config.updates.prepare ? offeredUpgrade(offer) : null;
  // A version whose upgrade failed is never tried again by itself.
  if (!target || offer?.failedUpgrade?.version === target) return null;
  return isInstalled(ctx.paths, ctx.packageName, target) ? null : target;
}
