import { rmSync } from 'node:fs';
import semver from 'semver';
import { updateConfig } from '../core/config';
import { isAnimaError, messageOf } from '../core/errors';
import type { Context, Overrides } from '../core/context';
import { pinAndSwap } from '../core/installer';
import { discard, isInstalled, pruneVersions } from '../core/runtime-store';
import { recordFailedUpgrade } from '../core/update-check';
import { tailLines } from '../core/log-tail';
import type { Snapshot } from '../core/verify';
import type { VerifyResult } from '../shared/status';
import type { OperationOutcome, ParamsOf } from '../shared/control-protocol';
import { cancelled } from './readiness';
import type { RegistryTask, TaskResults } from './registry-task';
import { UpgradeRecordSchema, type UpgradeFailure, type UpgradePhase, type UpgradeStep, type UpgradeTarget } from './upgrade-phase';

/**
 * What the upgrade transaction needs of the supervisor, and nothing more: run one
 * operation under the home's lock, record phases, report progress, and drive the
 * services (start, drain-and-stop, verify).
 */
export interface UpgradeHost {
  run<T>(kind: 'upgrade' | 'recover-upgrade', fn: () => Promise<T>, initial?: { step: string } & Record<string, unknown>): Promise<T>;
  /** Writes the phase to run/operation.json before it is acted on. */
  checkpoint(phase: UpgradePhase): Promise<void>;
  progress(step: string, message: string, data?: Record<string, unknown>): void;
  contextFor(o: Overrides & { channel?: string }): Context;
  /** Registry work (resolving, installing) in the short-lived registry worker, with the context of the last contextFor. */
  registryTask<T extends RegistryTask>(task: T): Promise<TaskResults[T['task']]>;
  anyServiceAlive(): boolean;
  /** The version the services run now, or null. */
  runningVersion(): string | null;
  /** The newer version on offer from the last check (not skipped, not a downgrade), or null. */
  offeredVersion(ctx: Context): string | null;
  snapshot(ctx: Context): Promise<Snapshot>;
  stopServices(force: boolean): Promise<string | null>;
  startServices(ctx: Context, version: string, signal?: AbortSignal): Promise<void>;
  /** Aborted when the user cancels: the forward steps watch it; a rollback never does. */
  readonly cancelSignal: AbortSignal | undefined;
  verifyNow(ctx: Context, version: string, before?: Snapshot): Promise<VerifyResult>;
  restartInPlace(ctx: Context, force: boolean): Promise<OperationOutcome>;
  /** config.json was changed by the transaction (the channel, once the new version is verified). */
  settingsChanged(): void;
}

export interface UpgradeParams extends ParamsOf<'upgrade'> {
  /** An explicit move (restart --version/--channel): an older target is allowed. */
  allowDowngrade?: boolean;
  /** restart --channel C: the channel to resolve on; saved to config.json only once the new version is verified. */
  channel?: 'stable' | 'canary';
  /** Came from `restart`: it must end with the expected version running and verified, even from a stopped home. */
  viaRestart?: boolean;
}

class VerificationFailed extends Error {
  constructor(readonly result: VerifyResult) {
    super('verification failed');
  }
}

/** What failed, in the terms the user sees; `detail` without a final period, since messages go on after it. */
function describeFailure(e: unknown, ctx: Context): UpgradeFailure {
  const f = failureOf(e, ctx);
  return { ...f, detail: f.detail.replace(/\.+$/, '') };
}

/** The check or step that failed, what it saw, and the log lines that explain it. */
function failureOf(e: unknown, ctx: Context): UpgradeFailure {
  if (e instanceof VerificationFailed) {
    const c = e.result.checks.find((x) => !x.ok)!;
    return { check: c.name, detail: c.detail, logTail: tailLines(ctx.paths.log('web'), 20).join('\n') };
  }
  if (isAnimaError(e) && e.code === 'ECANCELLED') return { check: 'cancelled', detail: e.message };
  if (isAnimaError(e) && e.code === 'ESTART') {
    const service = String(e.details?.service ?? 'service');
    return { check: `start-${service}`, detail: e.message.split('\n')[0], logTail: String(e.details?.logTail ?? '') };
  }
  return { check: isAnimaError(e) ? e.code : 'error', detail: messageOf(e) };
}

/**
 * The one click (architecture.md, "Upgrade to V"): install V beside the running
 * version; snapshot pids, startedAt and provider configs; drain; switch; start; verify
 * every check of runtime contract §6. Any failure after the drain puts the previous
 * version back, restarts and verifies it, and reports both. The phases and what a crash
 * in each leads to are in upgrade-phase.ts.
 */
export function upgrade(host: UpgradeHost, params: UpgradeParams): Promise<OperationOutcome> {
  return host.run('upgrade', async () => {
    const ctx = host.contextFor(params);
    const saveChannel = () => {
      if (params.channel && params.channel !== ctx.config.channel) {
        const channel = params.channel;
        updateConfig(ctx.paths.config, (c) => {
          c.channel = channel;
        });
        host.settingsChanged();
      }
    };
    // From what runs: after a `runtime install` while running, the pin names a version that never ran.
    const from = host.runningVersion() ?? ctx.config.runtime.version ?? null;
    // A restart leaves the home running whatever it was before; an upgrade keeps a stopped home stopped.
    const wasRunning = !!params.viaRestart || host.anyServiceAlive();
    await host.checkpoint({ step: 'resolving', from, wasRunning });
    // A version complete on disk (prepared in the background, or kept for rollback) needs no registry: published versions never change.
    const onDisk = (v: string | null | undefined): v is string => !!v && semver.valid(v) === v && isInstalled(ctx.paths, ctx.packageName, v);
    // The one click goes to the version every client shows on offer; prepared in the background, it needs no registry either.
    const offered = !params.version && !params.channel && !params.viaRestart ? host.offeredVersion(ctx) : null;
    let target: string;
    if (onDisk(params.version)) {
      target = params.version;
      host.progress('resolving', `${ctx.packageName}: ${target}, installed`);
    } else if (onDisk(offered)) {
      target = offered;
      host.progress('resolving', `${ctx.packageName}: ${target}, on offer and prepared`);
    } else {
      host.progress('resolving', `Looking up ${params.version ?? `the ${ctx.channel} channel`} of ${ctx.packageName}`);
      const found = await host.registryTask({ task: 'target', requested: params.version });
      target = found.version;
      host.progress('resolving', `${ctx.packageName}: ${target} on ${found.registry}`);
    }
    if (target && target === from) {
      saveChannel();
      // `restart --version <the pin>` is a plain restart, verified.
      if (params.viaRestart) return host.restartInPlace(ctx, false);
      return { operation: 'upgrade', ok: true, message: `Already on ${from}`, version: from };
    }
    if (!target) return { operation: 'upgrade', ok: true, message: `Already on ${from}`, version: from };
    // A version the user chose to skip is never installed unless asked for by name.
    if (!params.version && !params.viaRestart && ctx.config.updates.skipped.includes(target)) {
      return { operation: 'upgrade', ok: true, message: `${target} is available but you chose to skip it; nothing to do (\`animactl restart --version ${target}\` installs it anyway)`, version: from };
    }
    // Without an explicit version, only something newer is an upgrade; older (leaving canary) must be asked for by version.
    if (!params.version && !params.allowDowngrade && from && !semver.gt(target, from)) {
      return { operation: 'upgrade', ok: true, message: `Nothing newer on ${ctx.channel}: running ${from}, the channel offers ${target}${semver.lt(target, from) ? ` (downgrade with \`animactl restart --version ${target}\`)` : ''}`, version: from };
    }

    // Install beside the running version: nothing is stopped until V is complete and valid.
    let installed: { version: string };
    try {
      installed = onDisk(target) ? { version: target } : await host.registryTask({ task: 'install', spec: target, activate: false });
    } catch (e) {
      const failure = describeFailure(e, ctx);
      // A cancel says nothing about the version: it stays offered.
      if (failure.check !== 'cancelled') recordFailedUpgrade(ctx, { version: target, at: new Date().toISOString(), reason: `${failure.check}: ${failure.detail}` });
      const still = wasRunning ? await host.verifyNow(ctx, from!) : null;
      host.progress('failed', `Upgrade to ${target} failed before anything was stopped: ${failure.detail}`);
      return {
        operation: 'upgrade',
        ok: false,
        message: `Upgrade to ${target} failed while installing (${failure.check}): ${failure.detail}. Nothing was stopped; ${from ?? 'nothing'} ${wasRunning ? `keeps running${still?.ok ? ' (verified)' : ''}` : 'stays installed'}.`,
        version: from,
        failure,
        ...(still ? { checks: still.checks } : {}),
      };
    }
    if (host.cancelSignal?.aborted) {
      host.progress('failed', `Upgrade to ${target} cancelled before anything was stopped`);
      return { operation: 'upgrade', ok: false, message: `Upgrade to ${target} cancelled before anything was stopped; ${from ?? 'nothing'} ${wasRunning ? 'keeps running' : 'stays installed'}.`, version: from, failure: { check: 'cancelled', detail: 'cancelled by the user' } };
    }
    const t: UpgradeTarget = { from, wasRunning, to: installed.version, before: await host.snapshot(ctx) };
    const { to } = t;
    await host.checkpoint({ ...t, step: 'installed' });

    try {
      await host.checkpoint({ ...t, step: 'draining' });
      await host.stopServices(false);
      host.progress('swapping', `Switching ${from ?? '(none)'} → ${to}`);
      pinAndSwap(ctx, to);
      await host.checkpoint({ ...t, step: 'switched' });
      const next = host.contextFor(params);
      await host.startServices(next, to, host.cancelSignal);
      if (host.cancelSignal?.aborted) throw cancelled(`starting ${to}`);
      await host.checkpoint({ ...t, step: 'verifying' });
      const result = await host.verifyNow(next, to, t.before);
      if (!result.ok) throw new VerificationFailed(result);
      await host.checkpoint({ ...t, step: 'verified' });
      saveChannel();
      pruneVersions(next.paths, next.packageName, next.config.runtime.keepVersions, [to, from]);
      recordFailedUpgrade(next, null);
      if (!wasRunning) await host.stopServices(false);
      const done = `${from && semver.lt(to, from) ? 'Downgraded' : 'Upgraded'} ${from ?? '(none)'} → ${to}; verified`;
      host.progress('done', done);
      return { operation: 'upgrade', ok: true, message: done, version: to, checks: result.checks };
    } catch (e) {
      const checks = e instanceof VerificationFailed ? e.result.checks : undefined;
      return rollback(host, ctx, t, describeFailure(e, ctx), checks);
    }
  });
}

async function rollback(host: UpgradeHost, ctx: Context, t: UpgradeTarget, failure: UpgradeFailure, checks?: VerifyResult['checks']): Promise<OperationOutcome> {
  const { from, to, before, wasRunning } = t;
  await host.checkpoint({ ...t, step: 'rolling-back', failure });
  host.progress('rolling-back', `Upgrade to ${to} failed (${failure.check}: ${failure.detail}); putting ${from ?? 'the previous state'} back`, { failure });
  // A cancel says nothing about the version: it stays offered.
  if (failure.check !== 'cancelled') recordFailedUpgrade(ctx, { version: to, at: new Date().toISOString(), reason: `${failure.check}: ${failure.detail}` });
  await host.stopServices(false);
  // Nothing runs from the failed version any more, and it is never current again: it goes
  // now rather than lingering past keepVersions until the next good upgrade.
  const dropFailed = () => discard(ctx.paths.version(to));
  if (!from) {
    // Nothing to go back to: at least don't leave the failed version pinned for the next start.
    unpin(ctx);
    dropFailed();
    host.progress('failed', `Upgrade to ${to} failed and there is no previous version to go back to`);
    return { operation: 'upgrade', ok: false, message: `Installing ${to} failed (${failure.check}: ${failure.detail}); there was no previous version to roll back to.`, version: null, failure, checks };
  }
  pinAndSwap(ctx, from);
  dropFailed();
  let verified = false;
  let rollbackError = '';
  if (wasRunning) {
    try {
      const back = host.contextFor({});
      await host.startServices(back, from);
      const v = await host.verifyNow(back, from, before);
      verified = v.ok;
      if (!v.ok) rollbackError = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ');
    } catch (e) {
      rollbackError = messageOf(e);
    }
  }
  const state = !wasRunning ? 'stays stopped, as it was' : verified ? 'runs again (verified)' : `was restarted but its verification failed too (${rollbackError})`;
  host.progress(verified || !wasRunning ? 'rolled-back' : 'failed', `Rolled back to ${from}: it ${state}`);
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

/** Reads an upgrade's journal entry; null when it isn't one we can act on (then it is reported and discarded). */
export function parseUpgradeRecord(raw: unknown): (UpgradePhase & { interruptedAt?: UpgradeStep }) | null {
  const r = UpgradeRecordSchema.safeParse(raw);
  return r.success ? r.data : null;
}

/**
 * Settles an upgrade that a killed supervisor left half-way (its journal), by the phase
 * it was cut at: see the diagram in upgrade-phase.ts. Never left in between. A recovery
 * starts from the record it settles, so a recovery cut short in turn is settled the same way.
 */
export function recoverUpgrade(host: UpgradeHost, record: UpgradePhase & { interruptedAt?: UpgradeStep }): Promise<OperationOutcome> {
  // The phase the *upgrade* was cut at, kept across recoveries that are themselves cut short.
  const rec = { ...record, interruptedAt: record.interruptedAt ?? record.step };
  const { interruptedAt } = rec;
  return host.run(
    'recover-upgrade',
    async () => {
      const ctx = host.contextFor({});
      const outcome = (ok: boolean, message: string, version: string | null): OperationOutcome => ({ operation: 'recover-upgrade', ok, message, version });
      switch (rec.step) {
        case 'resolving':
        case 'installed': {
          const { from, wasRunning } = rec;
          host.progress('rolled-back', `An interrupted upgrade (at ${interruptedAt}) had changed nothing; ${from} stays`);
          if (from && wasRunning && !host.anyServiceAlive()) await host.startServices(ctx, from);
          return outcome(true, `Interrupted upgrade discarded; ${from} kept`, from);
        }
        case 'verified': {
          pinAndSwap(ctx, rec.to);
          // A home that was stopped before the upgrade stays stopped (its stop may have been cut short).
          if (!rec.wasRunning) await host.stopServices(false);
          host.progress('done', `An interrupted upgrade to ${rec.to} had been verified; keeping it`);
          return outcome(true, `Upgrade to ${rec.to} completed after a supervisor restart`, rec.to);
        }
        case 'draining':
        case 'switched':
        case 'verifying':
          return rollback(host, ctx, rec, { check: 'interrupted', detail: `the supervisor stopped during the upgrade (at "${interruptedAt}")` });
        case 'rolling-back':
          return rollback(host, ctx, rec, rec.failure);
        default:
          return assertNever(rec);
      }
    },
    rec,
  );
}

function assertNever(x: never): never {
  throw new Error(`unknown upgrade phase ${JSON.stringify(x)}`);
}
