import { readFileSync, rmSync } from 'node:fs';
import { writeJsonAtomic } from './atomic';
import { AnimaError, isAnimaError, messageOf } from './errors';
import type { Context } from './context';
import { fetchPackument } from './registry';
import { redact, redactDeep, redactError } from './redact';
import { currentVersion } from './runtime-store';
import { channelTarget, decideUpdate, type UpdateDecision } from './update-policy';

export interface UpdateCheckRecord {
  checkedAt: string;
  ok: boolean;
  lastSuccessAt: string | null;
  decision?: UpdateDecision;
  error?: { code: string; message: string };
}

export interface UpdateCheckResult extends UpdateDecision {
  checkedAt: string;
  registry: string;
}

export function readUpdateRecord(file: string): UpdateCheckRecord | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as UpdateCheckRecord;
  } catch {
    return null;
  }
}

/** The version that counts as "running" for update purposes: the pin, else whatever `current` points at. */
export function installedVersion(ctx: Context): string | null {
  return ctx.config.runtime.version ?? currentVersion(ctx.paths);
}

/**
 * The exact version the home's channel offers now (stable: `latest`, never a pre-release;
 * canary: the greater of `canary` and `latest`), asked fresh. An error when it offers none.
 */
export async function channelVersion(ctx: Context): Promise<string> {
  const doc = await fetchPackument(await ctx.registry(), ctx.packageName, { fresh: true });
  const { target, reason } = channelTarget(ctx.channel, doc.distTags);
  if (!target) throw new AnimaError('ENOTARGET', `Nothing to install from the ${ctx.channel} channel of ${ctx.packageName}: ${reason}`);
  return target;
}

/**
 * Asks the registry, fresh, what the channel offers now. Never answers from a stale
 * cache: if the registry can't be reached, that is the answer, together with the
 * time of the last check that did succeed. Installs nothing.
 */
export async function checkForUpdates(ctx: Context, opts: { timeoutMs?: number } = {}): Promise<UpdateCheckResult> {
  const checkedAt = new Date().toISOString();
  const previous = readUpdateRecord(ctx.paths.updateState);
  const registry = await ctx.registry();
  try {
    const doc = await fetchPackument(registry, ctx.packageName, { fresh: true, timeoutMs: opts.timeoutMs });
    const decision = decideUpdate({ channel: ctx.channel, current: installedVersion(ctx), tags: doc.distTags, skipped: ctx.config.updates.skipped });
    writeRecord(ctx, { checkedAt, ok: true, lastSuccessAt: checkedAt, decision });
    return { ...decision, checkedAt, registry: registry.url };
  } catch (e) {
    const lastSuccessAt = previous?.lastSuccessAt ?? null;
    const err = isAnimaError(e) ? e : new AnimaError('EREGISTRY', redact(messageOf(e)), { cause: redactError(e) });
    writeRecord(ctx, { checkedAt, ok: false, lastSuccessAt, error: { code: err.code, message: err.message } });
    throw new AnimaError(err.code, `Update check failed: ${err.message}. Last successful check: ${lastSuccessAt ?? 'never'}.`, {
      hint: err.hint,
      details: { ...err.details, lastSuccessAt },
      cause: e,
    });
  }
}

function writeRecord(ctx: Context, record: UpdateCheckRecord): void {
  try {
    // Error messages quote registry URLs: the record is shown by status and the app, and never carries credentials.
    writeJsonAtomic(ctx.paths.updateState, redactDeep(record));
  } catch {
    // A home we can't write to must not turn a good answer into a failure; the next check writes again.
  }
}

/** An upgrade that failed and was rolled back: shown to the user, never retried by itself. */
export interface FailedUpgrade {
  version: string;
  at: string;
  reason: string;
}

export function failedUpgradeFile(ctx: Context): string {
  return ctx.paths.run + '/failed-upgrade.json';
}

export function readFailedUpgrade(ctx: Context): FailedUpgrade | null {
  try {
    return JSON.parse(readFileSync(failedUpgradeFile(ctx), 'utf8')) as FailedUpgrade;
  } catch {
    return null;
  }
}

export function recordFailedUpgrade(ctx: Context, f: FailedUpgrade | null): void {
  if (f) writeJsonAtomic(failedUpgradeFile(ctx), f);
  else rmSync(failedUpgradeFile(ctx), { force: true });
}
