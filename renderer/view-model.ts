// What the status window shows, computed from the state without touching the DOM
// (so it is tested in Node). Types only from the contract: no zod in the renderer bundle.
import type { AppState, OutcomeView } from '../main/shared/ipc-contract';
import type { HomeStatus, ServiceStatus, UpdateState } from '../main/shared/status';

export interface OutcomeText {
  tone: 'ok' | 'warn' | 'error';
  headline: string;
  /** A rollback in one sentence, said before anything else. */
  sentence?: string;
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
        ? 'Nothing was lost: agents resume where they stopped.'
        : 'Look at the log and try Restart.',
      'The failed version will not be tried again by itself.',
    ];
    const to = out.rolledBack.to;
    const why = f ? `The new version failed the check "${f.check}"` : 'The new version failed';
    const sentence = out.rolledBack.verified ? `${why}, so Anima put ${to} back and checked that it works.` : `${why}, and ${to}, put back, did not pass its own checks either.`;
    return { tone: out.rolledBack.verified ? 'warn' : 'error', headline: `${op} rolled back to ${to}`, sentence, lines, logTail: f?.logTail, logService: serviceOf(f?.check) };
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
    const ready = u.prepared ? ' It is downloaded and installed beside it: upgrading is a restart.' : u.preparing ? ' It is being downloaded in the background.' : '';
    out.push({ kind: 'upgrade', text: `Anima ${u.target} is available`, sub: `You run ${u.current ?? 'nothing yet'} on the ${u.channel} channel.${ready} Nothing changes until you click Upgrade.`, version: u.target });
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

export interface GlanceView {
  tone: 'ok' | 'warn' | 'error' | 'idle';
  /** Is Anima running, in a few words. */
  headline: string;
  /** Is it healthy. */
  health: string;
  version: string;
  /** Is there an update (or one planned by itself). */
  update: string;
  /** The update section has something to act on. */
  updateAction: boolean;
}

function minutesFromNow(iso: string, now: number): string {
  const m = Math.max(0, Math.round((Date.parse(iso) - now) / 60_000));
  return m < 1 ? 'in less than a minute' : `in about ${m} min`;
}

function updateLine(u: UpdateState | null | undefined, now: number): { text: string; action: boolean } {
  if (!u) return { text: 'Not checked yet', action: false };
  if (u.auto) {
    const when = u.auto.dueAt ? ` (${minutesFromNow(u.auto.dueAt, now)})` : ` after ${u.auto.idleMinutes} idle minutes`;
    return { text: `Will upgrade to ${u.auto.target} when agents are idle${when}`, action: true };
  }
  if (u.failedUpgrade && u.failedUpgrade.version === u.target) return { text: `The upgrade to ${u.failedUpgrade.version} failed and was rolled back`, action: true };
  if (u.target && !u.skipped && u.available) return { text: `Anima ${u.target} is available`, action: true };
  if (u.error) return { text: 'Could not check for updates', action: true };
  if (u.checkedAt) return { text: u.skipped && u.target ? `Up to date (skipping ${u.target})` : 'Up to date', action: false };
  return { text: 'Not checked yet', action: false };
}

/** The overview's answers: is Anima running, which version, is it healthy, is there an update. */
export function glance(state: AppState, now = Date.now()): GlanceView {
  const st: HomeStatus | null = state.status;
  const version = st?.runtime.version ? `${st.runtime.version} on ${st.channel}` : 'not installed yet';
  const update = updateLine(st?.update, now);
  const base = { version, update: update.text, updateAction: update.action };
  if (!st) return { ...base, tone: 'error', headline: 'Anima\u2019s state is unknown', health: state.error ?? 'The home could not be read.' };
  const { web, agent } = st.services;
  const op = state.busy ?? st.operation?.kind;
  const crashed = [web, agent].filter((s) => s.state === 'crashed');
  if (crashed.length) {
    const names = (['web', 'agent'] as const).filter((n) => st.services[n].state === 'crashed');
    // The first line: the log lines after it are for the services table and the Logs section.
    const why = names.map((n) => st.services[n].error && `${n}: ${st.services[n].error.split('\n')[0].replace(/ Last lines of its log:.*$/s, '')}`).filter(Boolean).join('; ');
    return { ...base, tone: 'error', headline: `${names.join(' and ')} crashed`, health: why || 'Restart brings it back; the log says why it stopped.' };
  }
  if (op) return { ...base, tone: 'warn', headline: `${op[0].toUpperCase()}${op.slice(1)} in progress…`, health: 'Anima is busy with an operation: its steps are below.' };
  if (web.state === 'running' && agent.state === 'running') {
    // No agent counts here: this line is a live region, and counts that move would be read out at every change.
    return { ...base, tone: 'ok', headline: 'Anima is running', health: 'Healthy: web and agent are running' };
  }
  if (web.state === 'stopped' && agent.state === 'stopped') return { ...base, tone: 'idle', headline: 'Anima is stopped', health: st.runtime.version ? 'Start runs web and agent.' : 'Start installs the channel\u2019s version, then runs it.' };
  const up = (['web', 'agent'] as const).map((n) => `${n} ${st.services[n].state}`).join(', ');
  return { ...base, tone: 'warn', headline: 'Anima is partly running', health: up };
}
