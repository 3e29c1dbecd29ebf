import { rmSync } from 'node:fs';
import semver from 'semver';
import { updateConfig } from '../core/config';
import { isAnimaError, messageOf } from '../core/errors';
import type { Context } from '../core/context';
import { describeInstallProgress, installVersion, pinAndSwap } from '../core/installer';
import { resolveVersion } from '../core/registry';
import { pruneVersions } from '../core/runtime-store';
import { channelVersion, recordFailedUpgrade } from '../core/update-check';
import { tailLines } from '../core/log-tail';
import type { Snapshot } from '../core/verify';
import type { VerifyResult } from '../shared/status';
import type { OperationOutcome, ParamsOf } from '../shared/control-protocol';
import type { Supervisor } from './supervisor';

/** Steps before the drain change nothing that runs: an interruption there needs no rollback. */
const BEFORE_DRAIN = new Set(['resolving', 'downloading', 'installing-dependencies', 'validating', 'activating', 'installing', 'installed']);

interface UpgradeRecord {
  from: string | null;
  to?: string;
  before?: Snapshot;
  wasRunning: boolean;
  /**
   * Set by the "verified" checkpoint and kept in the record from then on. `step` is not
   * enough: progress events after it (the stop of a home that was stopped before,
   * "done") overwrite it with steps that would otherwise read as "roll back".
   */
  verified?: boolean;
}

class VerificationFailed extends Error {
  constructor(readonly result: VerifyResult) {
    super('verification failed');
  }
}

/** What failed, in the terms the user sees: the check or step, what it saw, and the log lines that explain it. */
function describeFailure(e: unknown, ctx: Context): { check: string; detail: string; logTail?: string } {
  if (e instanceof VerificationFailed) {
    const c = e.result.checks.find((x) => !x.ok)!;
    return { check: c.name, detail: c.detail, logTail: tailLines(ctx.paths.log('web'), 20).join('\n') };
  }
  if (isAnimaError(e) && e.code === 'ESTART') {
    const service = String(e.details?.service ?? 'service');
    return { check: `start-${service}`, detail: e.message.split('\n')[0], logTail: String(e.details?.logTail ?? '') };
  }
  return { check: isAnimaError(e) ? e.code : 'error', detail: messageOf(e) };
}

/** The version an upgrade goes to: an exact version or tag asked for, else what the channel offers. */
async function resolveTarget(ctx: Context, requested: string | undefined): Promise<string | null> {
  const registry = await ctx.registry();
  if (requested) return (await resolveVersion(registry, ctx.packageName, requested)).version;
  return channelVersion(ctx);
}

/**
 * The one click (architecture.md, "Upgrade to V"): install V beside the running
 * version; snapshot pids, startedAt and provider configs; drain; swap; start; verify
 * every check of contract §6. Any failure after the drain puts the previous version
 * back, restarts and verifies it, and reports both. Each step is recorded in
 * run/operation.json before it happens, so a supervisor killed mid-way finishes or
 * rolls back on its next start (recoverUpgrade).
 */
export interface UpgradeParams extends ParamsOf<'upgrade'> {
  /** An explicit move (restart --version/--channel): an older target is allowed. */
  allowDowngrade?: boolean;
  /** restart --channel C: the channel to resolve on; saved to config.json only once the new version is verified. */
  channel?: 'stable' | 'canary';
  /** Came from `restart`: it must end with the expected version running and verified, even from a stopped home. */
  viaRestart?: boolean;
}

export function upgrade(sup: Supervisor, params: UpgradeParams): Promise<OperationOutcome> {
  return sup.run('upgrade', async () => {
    const ctx = sup.contextFor(params);
    const saveChannel = () => {
      if (params.channel && params.channel !== ctx.config.channel) sup.setConfig('channel', params.channel);
    };
    const from = ctx.config.runtime.version ?? null;
    // A restart leaves the home running whatever it was before; an upgrade keeps a stopped home stopped.
    const wasRunning = !!params.viaRestart || sup.services.web.alive || sup.services.agent.alive;
    await sup.checkpoint('resolving', { from, wasRunning } satisfies UpgradeRecord);
    sup.progress('resolving', `Looking up ${params.version ?? `the ${ctx.channel} channel`} of ${ctx.packageName} on ${(await ctx.registry()).url}`);
    const target = await resolveTarget(ctx, params.version);
    if (target && target === from) {
      saveChannel();
      // `restart --version <the pin>` is a plain restart, verified.
      if (params.viaRestart) return sup.restartInPlace(ctx, false);
      return { operation: 'upgrade', ok: true, message: `Already on ${from}`, version: from };
    }
    if (!target) return { operation: 'upgrade', ok: true, message: `Already on ${from}`, version: from };
    // Without an explicit version, only something newer is an upgrade; older (leaving canary) must be asked for by version.
    if (!params.version && !params.allowDowngrade && from && !semver.gt(target, from)) {
      return { operation: 'upgrade', ok: true, message: `Nothing newer on ${ctx.channel}: running ${from}, the channel offers ${target}${semver.lt(target, from) ? ` (downgrade with \`animactl restart --version ${target}\`)` : ''}`, version: from };
    }

    // Install beside the running version: nothing is stopped until V is complete and valid.
    let installed;
    try {
      installed = await installVersion(ctx, target, {
        activate: false,
        onProgress: (p) => sup.progress(p.step, describeInstallProgress(p), { ...p }),
      });
    } catch (e) {
      const failure = describeFailure(e, ctx);
      recordFailedUpgrade(ctx, { version: target, at: new Date().toISOString(), reason: `${failure.check}: ${failure.detail}` });
      const still = wasRunning ? await sup.verifyNow(ctx, from!) : null;
      sup.progress('failed', `Upgrade to ${target} failed before anything was stopped: ${failure.detail}`);
      return {
        operation: 'upgrade',
        ok: false,
        message: `Upgrade to ${target} failed while installing (${failure.check}): ${failure.detail}. Nothing was stopped; ${from ?? 'nothing'} ${wasRunning ? `keeps running${still?.ok ? ' (verified)' : ''}` : 'stays installed'}.`,
        version: from,
        failure,
        ...(still ? { checks: still.checks } : {}),
      };
    }
    const to = installed.version;
    const before = await sup.snapshot(ctx);
    await sup.checkpoint('installed', { to, before });

    try {
      await sup.checkpoint('draining');
      await sup.stopServices(false);
      await sup.checkpoint('swapping');
      sup.progress('swapping', `Switching ${from ?? '(none)'} → ${to}`);
      pinAndSwap(ctx, to);
      await sup.checkpoint('starting');
      const next = sup.contextFor(params);
      await sup.startServices(next, to);
      await sup.checkpoint('verifying');
      const result = await sup.verifyNow(next, to, before);
      if (!result.ok) throw new VerificationFailed(result);
      await sup.checkpoint('verified', { verified: true } satisfies Partial<UpgradeRecord>);
      saveChannel();
      pruneVersions(next.paths, next.packageName, next.config.runtime.keepVersions, [to, from]);
      recordFailedUpgrade(next, null);
      if (!wasRunning) await sup.stopServices(false);
      sup.progress('done', `Upgraded ${from ?? '(none)'} → ${to}; verified`);
      return { operation: 'upgrade', ok: true, message: `Upgraded ${from ?? '(none)'} → ${to}; verified`, version: to, checks: result.checks };
    } catch (e) {
      const failure = describeFailure(e, ctx);
      const checks = e instanceof VerificationFailed ? e.result.checks : undefined;
      return rollback(sup, ctx, { from, to, before, wasRunning }, failure, checks);
    }
  });
}

async function rollback(
  sup: Supervisor,
  ctx: Context,
  rec: Required<Pick<UpgradeRecord, 'to' | 'before'>> & UpgradeRecord,
  failure: { check: string; detail: string; logTail?: string },
  checks?: VerifyResult['checks'],
): Promise<OperationOutcome> {
  const { from, to, before, wasRunning } = rec;
  await sup.checkpoint('rolling-back', { failure });
  sup.progress('rolling-back', `Upgrade to ${to} failed (${failure.check}: ${failure.detail}); putting ${from ?? 'the previous state'} back`, { failure });
  recordFailedUpgrade(ctx, { version: to, at: new Date().toISOString(), reason: `${failure.check}: ${failure.detail}` });
  await sup.stopServices(false);
  if (!from) {
    // Nothing to go back to: at least don't leave the failed version pinned for the next start.
    unpin(ctx);
    sup.progress('failed', `Upgrade to ${to} failed and there is no previous version to go back to`);
    return { operation: 'upgrade', ok: false, message: `Installing ${to} failed (${failure.check}: ${failure.detail}); there was no previous version to roll back to.`, version: null, failure, checks };
  }
  pinAndSwap(ctx, from);
  let verified = false;
  let rollbackError = '';
  if (wasRunning) {
    try {
      const back = sup.contextFor({});
      await sup.startServices(back, from);
      const v = await sup.verifyNow(back, from, before);
      verified = v.ok;
      if (!v.ok) rollbackError = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ');
    } catch (e) {
      rollbackError = messageOf(e);
    }
  }
  const state = !wasRunning ? 'stays stopped, as it was' : verified ? 'runs again (verified)' : `was restarted but its verification failed too (${rollbackError})`;
  sup.progress(verified || !wasRunning ? 'rolled-back' : 'failed', `Rolled back to ${from}: it ${state}`);
  return {
    operation: 'upgrade',
    ok: false,
    message: `Upgrade to ${to} failed: ${failure.check}: ${failure.detail}. Rolled back to ${from}, which ${state}.`,
    version: from,
    rolledBack: { to: from, verified },
    failure,
    checks,
  };
}

function unpin(ctx: Context): void {
  updateConfig(ctx.paths.config, (c) => {
    delete c.runtime.version;
  });
  rmSync(ctx.paths.current, { force: true });
}

/**
 * Finishes an upgrade that a killed supervisor left half-way (found in run/operation.json):
 * verified → keep the new version; before the drain → nothing had changed; anything
 * in between → roll back to the previous version and verify it. Never left in between.
 */
export function recoverUpgrade(sup: Supervisor, record: UpgradeRecord & { step: string | null; interruptedAt?: string | null }): Promise<OperationOutcome> {
  // The step the *upgrade* was cut at decides; a recovery that is itself cut short
  // keeps that (and from/to/before) in its own record, so the next one decides the same way.
  const step = record.interruptedAt !== undefined ? record.interruptedAt : record.step;
  const { from, to, before, wasRunning, verified } = record;
  return sup.run('recover-upgrade', async () => {
    const ctx = sup.contextFor({});
    if (to && (verified || step === 'verified')) {
      pinAndSwap(ctx, to);
      // A home that was stopped before the upgrade stays stopped (its stop may have been cut short).
      if (!wasRunning) await sup.stopServices(false);
      sup.progress('done', `An interrupted upgrade to ${to} had been verified; keeping it`);
      return { operation: 'recover-upgrade', ok: true, message: `Upgrade to ${to} completed after a supervisor restart`, version: to };
    }
    if (!to || !before || step === null || BEFORE_DRAIN.has(step)) {
      sup.progress('rolled-back', `An interrupted upgrade (at ${step}) had changed nothing; ${from} stays`);
      if (from && wasRunning && !sup.services.web.alive) await sup.startServices(ctx, from);
      return { operation: 'recover-upgrade', ok: true, message: `Interrupted upgrade discarded; ${from} kept`, version: from };
    }
    return rollback(sup, ctx, { from, to, before, wasRunning }, { check: 'interrupted', detail: `the supervisor stopped during the upgrade (at "${step}")` });
  }, { from, to, before, wasRunning, verified, interruptedAt: step });
}
