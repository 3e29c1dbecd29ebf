// An operation as the few phases a person thinks in (download, dependencies, drain, switch,
// start, verify), computed from the supervisor's progress events without touching the DOM
// (so it is tested in Node). The events stay the truth; this only groups and measures them.
import { formatBytes } from '../main/shared/format';
import type { ProgressEvent } from '../main/shared/control-protocol';
import type { Check } from '../main/shared/status';

export type PhaseId = 'download' | 'dependencies' | 'drain' | 'switch' | 'start' | 'verify' | 'rollback';
export type PhaseState = 'pending' | 'active' | 'done' | 'failed';

/** A determinate bar: only where the events carry a measure. */
export interface Bar {
  value: number;
  max: number;
  text: string;
}

export interface PhaseView {
  id: PhaseId;
  title: string;
  state: PhaseState;
  detail: string;
  bar: Bar | null;
  /** The verification's checks (verify, and the rollback's own verification). */
  checks: Check[];
}

const ORDER: PhaseId[] = ['download', 'dependencies', 'drain', 'switch', 'start', 'verify', 'rollback'];

export const PHASE_TITLES: Record<PhaseId, string> = {
  download: 'Downloading',
  dependencies: 'Installing dependencies',
  drain: 'Draining the agent',
  switch: 'Switching versions',
  start: 'Starting',
  verify: 'Verifying',
  rollback: 'Rolling back',
};

const PHASE_OF: Record<string, PhaseId> = {
  installing: 'download',
  resolving: 'download',
  downloading: 'download',
  'installing-dependencies': 'dependencies',
  validating: 'dependencies',
  activating: 'dependencies',
  draining: 'drain',
  stopping: 'drain',
  swapping: 'switch',
  starting: 'start',
  verifying: 'verify',
};

/** What each kind of operation will go through, shown ahead while it runs. */
const EXPECTED: Record<string, PhaseId[]> = {
  upgrade: ['download', 'dependencies', 'drain', 'switch', 'start', 'verify'],
  restart: ['drain', 'start', 'verify'],
  stop: ['drain'],
  start: ['start', 'verify'],
};

const TERMINAL = new Set(['done', 'failed', 'rolled-back']);

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The events of the latest operation only: the link keeps collecting after an outcome
 * (an automatic upgrade, a crash restart), and news from elsewhere (operation
 * "supervisor": a crash) is no phase of anything.
 */
export function latestOperation(events: ProgressEvent[]): ProgressEvent[] {
  const own = events.filter((e) => e.operation !== 'supervisor');
  let start = own.length - 1;
  while (start > 0) {
    const prev = own[start - 1];
    if (prev.operation !== own[start].operation || TERMINAL.has(prev.step)) break;
    start--;
  }
  return own.slice(Math.max(0, start));
}

export function checksSummary(checks: Check[], finished: boolean): string {
  const passed = checks.filter((c) => c.ok).length;
  if (!finished) return `${passed} ${passed === 1 ? 'check' : 'checks'} passed so far`;
  return `${passed} of ${checks.length} ${checks.length === 1 ? 'check' : 'checks'} passed`;
}

/**
 * The phases of the latest operation, in order. `running`: the operation isn't over (the
 * last phase touched is the active one, the expected ones not reached yet are pending).
 */
export function operationPhases(all: ProgressEvent[], running: boolean): PhaseView[] {
  const events = latestOperation(all);
  const kind = (events[0]?.operation ?? '').split(' ')[0];
  const phases = new Map<PhaseId, PhaseView>();
  const touch = (id: PhaseId): PhaseView => {
    let p = phases.get(id);
    if (!p) phases.set(id, (p = { id, title: PHASE_TITLES[id], state: 'done', detail: '', bar: null, checks: [] }));
    return p;
  };
  let current: PhaseView | null = null;
  let rollingBack = false;
  let drainPeak = 0;
  let drainForced = false;
  let queuedLeft = 0;
  let finished: string | null = null;

  for (const ev of events) {
    const d = ev.data ?? {};
    if (TERMINAL.has(ev.step)) {
      finished = ev.step;
      if (ev.step === 'rolled-back' || (ev.step === 'failed' && rollingBack)) current = touch('rollback');
      if (current) current.detail = ev.message;
      continue;
    }
    if (ev.step === 'rolling-back') {
      // Whatever ran when it went wrong failed; the rollback's own start and checks are its own.
      if (current && current.id !== 'rollback') current.state = 'failed';
      rollingBack = true;
      current = touch('rollback');
      current.detail = ev.message;
      continue;
    }
    const id = rollingBack ? 'rollback' : PHASE_OF[ev.step];
    if (!id) continue;
    if (current && current !== phases.get(id) && current.state !== 'failed') current.state = 'done';
    const p = touch(id);
    current = p;
    const check = d.check as Partial<Check> | undefined;
    if (ev.step === 'verifying' && check && typeof check.name === 'string') {
      p.checks.push({ name: check.name, ok: check.ok === true, detail: check.detail ?? '' });
      continue;
    }
    if (id === 'download' && ev.step === 'downloading' && num(d.bytes) !== undefined) {
      const bytes = num(d.bytes)!;
      const total = num(d.total);
      p.bar = total ? { value: Math.min(bytes, total), max: total, text: `${formatBytes(bytes)} of ${formatBytes(total)}` } : null;
      p.detail = total ? `${formatBytes(bytes)} of ${formatBytes(total)} (${Math.min(100, Math.round((bytes / total) * 100))}%)` : `${formatBytes(bytes)} so far`;
      continue;
    }
    const packages = d.packages as { done?: unknown; total?: unknown } | undefined;
    if (id === 'dependencies' && ev.step === 'installing-dependencies' && packages && num(packages.total)) {
      const total = num(packages.total)!;
      const done = Math.min(num(packages.done) ?? 0, total);
      p.bar = { value: done, max: total, text: `${done} of ${total} packages` };
      p.detail = p.bar.text;
      continue;
    }
    if (id === 'drain' && ev.step === 'draining' && num(d.active) !== undefined) {
      // Drained = active items that reached a safe point; queued ones just wait for the next agent.
      const active = num(d.active)!;
      const queued = num(d.queued) ?? 0;
      drainPeak = Math.max(drainPeak, active);
      queuedLeft = queued;
      const settled = drainPeak - active;
      p.bar = drainPeak ? { value: settled, max: drainPeak, text: `${settled} of ${drainPeak} active items at a safe point` } : { value: 1, max: 1, text: 'no active items to wait for' };
      p.detail = `${p.bar.text}, ${queued} queued`;
      continue;
    }
    if (id === 'drain' && d.forced) {
      drainForced = true;
      p.detail = ev.message;
      continue;
    }
    // A drain's counts say more than "Stopping web" after them.
    if (!(p.bar && id === 'drain')) p.detail = ev.message;
  }

  // The agent exits once its last item is at a safe point, often before reporting it: a
  // drain that was followed by anything (web stopping, the switch) and not forced is complete.
  const drain = phases.get('drain');
  const lastDrain = events.findLastIndex((e) => e.step === 'draining');
  if (drain?.bar && !drainForced && lastDrain >= 0 && lastDrain < events.length - 1) {
    drain.bar = { value: drain.bar.max, max: drain.bar.max, text: drainPeak ? `${drainPeak} of ${drainPeak} active items at a safe point` : drain.bar.text };
    drain.detail = `${drain.bar.text}, ${queuedLeft} queued`;
  }

  // A download that ended where it began, with no size: the tarball came from the local cache.
  const dl = phases.get('download');
  if (dl && dl !== current && !dl.bar && dl.detail === `${formatBytes(0)} so far`) dl.detail = 'already in the local cache';
  for (const p of phases.values()) {
    if (p.checks.some((c) => !c.ok)) p.state = 'failed';
    if (p.checks.length) p.detail = checksSummary(p.checks, !running || p !== current);
  }
  if (current && current.state !== 'failed') {
    if (running) current.state = 'active';
    else if (finished === 'failed') current.state = 'failed';
  }
  if (running) for (const id of EXPECTED[kind] ?? []) if (!phases.has(id)) phases.set(id, { id, title: PHASE_TITLES[id], state: 'pending', detail: '', bar: null, checks: [] });
  return ORDER.filter((id) => phases.has(id)).map((id) => phases.get(id)!);
}
