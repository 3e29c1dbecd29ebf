// What the status window shows, computed from the state without touching the DOM
// (so it is tested in Node). Types only from the contract: no zod in the renderer bundle.
import type { AppState, OutcomeView } from '../main/shared/ipc-contract';
import { formatBytes } from '../main/shared/format';
import type { ProgressEvent } from '../main/shared/control-protocol';
import type { ServiceStatus, UpdateState } from '../main/shared/status';

export interface ProgressRow {
  step: string;
  title: string;
  detail: string;
  /** ok / failed for a verification check or the end of an operation; active for the latest step. */
  mark: 'ok' | 'failed' | 'active' | 'done';
}

const STEP_TITLES: Record<string, string> = {
  installing: 'Installing',
  resolving: 'Resolving the version',
  downloading: 'Downloading',
  'installing-dependencies': 'Installing dependencies',
  validating: 'Checking the package',
  activating: 'Activating',
  draining: 'Draining the agent',
  stopping: 'Stopping',
  swapping: 'Switching versions',
  starting: 'Starting',
  verifying: 'Verifying',
  crashed: 'A service crashed',
  'rolling-back': 'Rolling back',
  done: 'Done',
  'rolled-back': 'Rolled back',
  failed: 'Failed',
};

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function detailOf(ev: ProgressEvent): string {
  const d = ev.data ?? {};
  if (ev.step === 'downloading') {
    const bytes = num(d.bytes);
    const total = num(d.total);
    if (bytes !== undefined) return total ? `${formatBytes(bytes)} of ${formatBytes(total)} (${Math.min(100, Math.round((bytes / total) * 100))}%)` : formatBytes(bytes);
  }
  if (ev.step === 'draining' && num(d.active) !== undefined) {
    return d.forced ? ev.message : `${d.active} active item(s) finishing their current step, ${num(d.queued) ?? 0} queued`;
  }
  return ev.message;
}

/**
 * One row per step, in order. Repeated reports of the same step (download bytes, drain
 * counts) update their row; each verification check gets its own ✓/✗ row.
 */
export function progressRows(events: ProgressEvent[], running = true): ProgressRow[] {
  const rows: (ProgressRow & { service: unknown })[] = [];
  for (const ev of events) {
    const service = ev.data?.service ?? null;
    const check = ev.data?.check as { name?: string; ok?: boolean; detail?: string } | undefined;
    if (ev.step === 'verifying' && check && typeof check.name === 'string') {
      rows.push({ step: 'verifying', title: check.name, detail: check.detail ?? '', mark: check.ok ? 'ok' : 'failed', service });
      continue;
    }
    const mark: ProgressRow['mark'] = ev.step === 'done' ? 'ok' : ['failed', 'crashed', 'rolled-back'].includes(ev.step) ? 'failed' : 'done';
    const row = { step: ev.step, title: STEP_TITLES[ev.step] ?? ev.step, detail: detailOf(ev), mark, service };
    const last = rows[rows.length - 1];
    if (last && last.step === ev.step && last.service === service && (ev.step === 'downloading' || ev.step === 'draining')) rows[rows.length - 1] = row;
    else rows.push(row);
  }
  const last = rows[rows.length - 1];
  if (running && last && last.mark === 'done') last.mark = 'active';
  return rows.map(({ step, title, detail, mark }) => ({ step, title, detail, mark }));
}

export interface OutcomeText {
  tone: 'ok' | 'warn' | 'error';
  headline: string;
  lines: string[];
  logTail?: string;
  /** Which log "Show log" opens. */
  logService?: 'web' | 'agent' | 'supervisor';
}

const OP_NAMES: Record<string, string> = { start: 'Start', stop: 'Stop', restart: 'Restart', upgrade: 'Upgrade' };

/** The outcome in plain words, a rollback above all. */
export function outcomeText(o: OutcomeView): OutcomeText {
  const op = OP_NAMES[o.operation] ?? o.operation.replace(/^./, (c) => c.toUpperCase());
  const out = o.outcome;
  if (out?.rolledBack) {
    const f = out.failure;
    const lines = [
      f ? `The new version failed the check "${f.check}": ${f.detail}` : out.message,
      out.rolledBack.verified
        ? `Anima put ${out.rolledBack.to} back and checked that it works. Nothing was lost: agents resume where they stopped.`
        : `Anima put ${out.rolledBack.to} back, but it did not pass its own checks: look at the log and try Restart.`,
      'The failed version will not be tried again by itself.',
    ];
    return { tone: out.rolledBack.verified ? 'warn' : 'error', headline: `${op} rolled back to ${out.rolledBack.to}`, lines, logTail: f?.logTail, logService: serviceOf(f?.check) };
  }
  if (o.error) {
    const lines = [o.error.message];
    if (o.error.hint) lines.push(o.error.hint);
    const logTail = typeof o.error.details?.logTail === 'string' ? (o.error.details.logTail as string) : undefined;
    const svc = typeof o.error.details?.service === 'string' ? (o.error.details.service as string) : undefined;
    return { tone: 'error', headline: `${op} failed`, lines, logTail, logService: svc === 'web' || svc === 'agent' ? svc : 'supervisor' };
  }
  if (out && !out.ok) {
    const lines = [out.message];
    if (out.failure) lines.push(`Failed check "${out.failure.check}": ${out.failure.detail}`);
    return { tone: 'error', headline: `${op} failed`, lines, logTail: out.failure?.logTail, logService: serviceOf(out.failure?.check) };
  }
  const lines = [o.message];
  if (out?.forced) lines.push(`Forced: ${out.forced}`);
  return { tone: out?.forced ? 'warn' : 'ok', headline: `${op} finished`, lines };
}

function serviceOf(check: string | undefined): 'web' | 'agent' | 'supervisor' {
  if (!check) return 'supervisor';
  if (/agent/i.test(check)) return 'agent';
  return 'web';
}

export interface BannerView {
  kind: 'upgrade' | 'downgrade' | 'error' | 'failed-upgrade' | 'up-to-date';
  text: string;
  sub?: string;
  version?: string;
}

/** The update banner(s): an upgrade, an explicit downgrade offer, a failed check or a failed upgrade. */
export function updateBanners(u: UpdateState | null | undefined): BannerView[] {
  if (!u) return [];
  const out: BannerView[] = [];
  if (u.failedUpgrade) {
    out.push({ kind: 'failed-upgrade', text: `The upgrade to ${u.failedUpgrade.version} failed and was rolled back`, sub: `${u.failedUpgrade.reason} (${when(u.failedUpgrade.at)}). Your previous version runs; it will not be retried unless you ask.`, version: u.failedUpgrade.version });
  }
  if (u.error) {
    out.push({ kind: 'error', text: 'Could not check for updates', sub: `${u.error} Last successful check: ${u.lastSuccessAt ? when(u.lastSuccessAt) : 'never'}.` });
  }
  const failedTarget = !!u.failedUpgrade && u.failedUpgrade.version === u.target;
  if (failedTarget) {
    // The failed-upgrade banner carries the retry; never a second, cheerful offer of the same version.
  } else if (u.target && !u.skipped && u.available) {
    out.push({ kind: 'upgrade', text: `Anima ${u.target} is available`, sub: `You run ${u.current ?? 'nothing yet'} on the ${u.channel} channel. Nothing changes until you click Upgrade.`, version: u.target });
  } else if (u.target && !u.skipped && u.downgrade) {
    out.push({ kind: 'downgrade', text: `The ${u.channel} channel offers ${u.target}, older than the ${u.current} you run`, sub: 'You can go back to it explicitly; your agents and settings are kept.', version: u.target });
  } else if (!u.error && u.checkedAt && !u.failedUpgrade) {
    out.push({ kind: 'up-to-date', text: u.skipped && u.target ? `Skipping ${u.target}` : `Anima is up to date`, sub: `Checked ${when(u.checkedAt)} on the ${u.channel} channel.` });
  }
  return out;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function uptime(startedAt: string | null, now = Date.now()): string {
  if (!startedAt) return '—';
  const s = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(h / 24)} days`;
}

export interface ActionsView {
  start: boolean;
  stop: boolean;
  restart: boolean;
  busy: boolean;
}


/** The window's title names the home: two homes' windows must not read alike in the task switcher. */
export function windowTitle(state: AppState): string {
  const env = state.status?.environment;
  return `Anima Desktop: ${env ? `${env} · ` : ''}${state.home}`;
}

export function actionsFor(state: AppState): ActionsView {
  const busy = !!(state.busy || state.status?.operation);
  const s = state.status?.services;
  const states = s ? [s.web.state, s.agent.state] : [];
  const allRunning = states.length > 0 && states.every((x) => x === 'running');
  const anyUp = states.some((x) => x !== 'stopped');
  return { start: !busy && !allRunning, stop: !busy && anyUp, restart: !busy && anyUp, busy };
}

export function serviceLine(svc: ServiceStatus): string {
  return svc.state;
}
