// What the dashboard's update bar says, computed from the state without touching the DOM
// (tested in Node). Its own small model, not the status window's: the bar has one line to
// say it in, and the status window is redesigned on its own schedule.
import type { AppState, OutcomeView } from '../../main/shared/ipc-contract';
import type { ProgressEvent } from '../../main/shared/control-protocol';
import { formatBytes } from '../../main/shared/format';

export interface BarProgress {
  value: number;
  max: number;
  /** The same in words, for the progressbar's aria-valuetext and the line beside it. */
  text: string;
}

export type BarView =
  | { kind: 'hidden' }
  | { kind: 'offer'; version: string; text: string; sub: string }
  | { kind: 'upgrading'; text: string; phase: string; detail: string; progress: BarProgress | null }
  | {
      kind: 'outcome';
      tone: 'ok' | 'warn' | 'error';
      text: string;
      /** The details live in the status window's operation section. */
      details: boolean;
      /** Which outcome this is: the bar remembers the one the user dismissed. */
      key: string;
    };

const PHASES: Record<string, string> = {
  resolving: 'Looking up the version',
  downloading: 'Downloading',
  'installing-dependencies': 'Installing dependencies',
  validating: 'Checking the package',
  activating: 'Checking the package',
  draining: 'Letting agents finish their step',
  stopping: 'Stopping',
  swapping: 'Switching versions',
  starting: 'Starting',
  verifying: 'Verifying',
  'rolling-back': 'Rolling back',
};

const TERMINAL = new Set(['done', 'rolled-back', 'failed']);

const isUpgrade = (operation: string | null | undefined) => !!operation && operation.startsWith('upgrade');

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** The events of the upgrade in progress (or the last one): those after the previous one ended. */
export function currentUpgradeEvents(progress: ProgressEvent[]): ProgressEvent[] {
  const ups = progress.filter((e) => isUpgrade(e.operation));
  let start = 0;
  for (let i = 0; i < ups.length - 1; i++) if (TERMINAL.has(ups[i].step)) start = i + 1;
  return ups.slice(start);
}

/**
 * Where there is a measure: bytes downloaded, packages installed, agents drained (of those busy when the drain
 * began), checks passed so far (their number is known only at the end, so no bar there).
 */
function phaseOf(events: ProgressEvent[]): { phase: string; detail: string; progress: BarProgress | null } {
  const steps = events.filter((e) => PHASES[e.step]);
  const last = steps[steps.length - 1];
  if (!last) return { phase: 'Starting the upgrade', detail: '', progress: null };
  const phase = PHASES[last.step];
  const d = last.data ?? {};
  if (last.step === 'downloading') {
    const bytes = num(d.bytes);
    const total = num(d.total);
    if (bytes !== undefined && total) {
      const value = Math.min(bytes, total);
      const text = `${formatBytes(value)} of ${formatBytes(total)}`;
      return { phase, detail: text, progress: { value, max: total, text } };
    }
    return { phase, detail: bytes !== undefined ? formatBytes(bytes) : '', progress: null };
  }
  const packages = d.packages as { done?: unknown; total?: unknown } | undefined;
  if (last.step === 'installing-dependencies' && packages && num(packages.total)) {
    const total = num(packages.total)!;
    const value = Math.min(num(packages.done) ?? 0, total);
    const text = `${value} of ${total} packages`;
    return { phase, detail: text, progress: { value, max: total, text } };
  }
  if (last.step === 'draining') {
    const active = num(d.active);
    const queued = num(d.queued) ?? 0;
    const first = num(steps.find((e) => e.step === 'draining' && num(e.data?.active) !== undefined)?.data?.active);
    if (active === undefined) return { phase, detail: last.message, progress: null };
    const detail = active === 0 ? `no agent busy, ${queued} queued` : `${active} busy, ${queued} queued`;
    if (!first) return { phase, detail, progress: null };
    const done = Math.max(0, first - active);
    return { phase, detail, progress: { value: done, max: first, text: `${done} of ${first} agents done with their step` } };
  }
  if (last.step === 'verifying') {
    const checks = events.slice(events.lastIndexOf(steps.find((e) => e.step === 'verifying')!)).filter((e) => e.step === 'verifying' && typeof (e.data?.check as { ok?: unknown } | undefined)?.ok === 'boolean');
    const failed = checks.find((e) => !(e.data!.check as { ok: boolean }).ok);
    if (failed) return { phase, detail: `the check "${(failed.data!.check as { name?: string }).name ?? '?'}" failed`, progress: null };
    return { phase, detail: checks.length ? `${checks.length} check${checks.length === 1 ? '' : 's'} passed` : '', progress: null };
  }
  return { phase, detail: '', progress: null };
}

/**
 * The outcome in one line; a rollback says what failed and what runs now. A rolled-back
 * outcome's `version` is the one running again: the version that failed is the one the
 * supervisor now marks as failed.
 */
function outcomeLine(o: OutcomeView, failedVersion: string | undefined): { tone: 'ok' | 'warn' | 'error'; text: string; details: boolean } {
  const out = o.outcome;
  if (out?.rolledBack) {
    const why = out.failure ? `it failed the check "${out.failure.check}"` : 'it did not pass its checks';
    const back = out.rolledBack.verified ? `${out.rolledBack.to} runs again, nothing was lost` : `${out.rolledBack.to} was put back but did not pass its own checks`;
    return { tone: out.rolledBack.verified ? 'warn' : 'error', text: `The upgrade${failedVersion ? ` to ${failedVersion}` : ''} was rolled back: ${why}; ${back}.`, details: true };
  }
  if (o.error) return { tone: 'error', text: `The upgrade failed: ${o.error.message}`, details: true };
  if (out && !out.ok) return { tone: 'error', text: `The upgrade failed: ${out.message}`, details: true };
  return { tone: 'ok', text: out?.version ? `Anima ${out.version} is running.` : o.message, details: false };
}

/** An upgrade the CLI or the runtime's page started ended too: its last event says how. */
function outcomeFromEvent(ev: ProgressEvent): { tone: 'ok' | 'warn' | 'error'; text: string; details: boolean } {
  if (ev.step === 'done') return { tone: 'ok', text: ev.message, details: false };
  if (ev.step === 'rolled-back') return { tone: 'warn', text: `The upgrade was rolled back. ${ev.message}.`, details: true };
  return { tone: 'error', text: ev.message, details: true };
}

/**
 * The bar, from the state: the upgrade in progress first, then how the last one ended (until
 * dismissed), then an offer. A downgrade is never offered here: it is confirmed in the
 * status window. A version whose upgrade failed isn't offered cheerfully again either.
 */
export function barView(state: AppState | null, dismissed: string | null = null): BarView {
  if (!state) return { kind: 'hidden' };
  const st = state.status;
  const u = st?.update;
  const events = currentUpgradeEvents(state.progress);
  const lastEvent = events[events.length - 1];
  if (isUpgrade(state.busy) || isUpgrade(st?.operation?.kind)) {
    const target = /^upgrade to (\S+)/.exec(state.busy ?? '')?.[1] ?? u?.target ?? null;
    return { kind: 'upgrading', text: target ? `Upgrading to Anima ${target}` : 'Upgrading Anima', ...phaseOf(events) };
  }
  const o = state.lastOutcome;
  let ended: { key: string; line: { tone: 'ok' | 'warn' | 'error'; text: string; details: boolean } } | null = null;
  if (o && isUpgrade(o.operation)) ended = { key: `outcome:${o.at}`, line: outcomeLine(o, u?.failedUpgrade?.version) };
  else if (lastEvent && TERMINAL.has(lastEvent.step)) ended = { key: `event:${lastEvent.step}:${lastEvent.message}`, line: outcomeFromEvent(lastEvent) };
  if (ended && ended.key !== dismissed) return { kind: 'outcome', key: ended.key, ...ended.line };
  if (u && u.available && !u.skipped && u.target && u.failedUpgrade?.version !== u.target) {
    return { kind: 'offer', version: u.target, text: `Anima ${u.target} is available`, sub: `You run ${u.current ?? 'nothing yet'}. Nothing changes until you click Upgrade.` };
  }
  return { kind: 'hidden' };
}
