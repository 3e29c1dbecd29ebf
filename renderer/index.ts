// The status & settings window. Talks only to window.anima (the preload's API); every
// piece of text from the supervisor goes into the page as textContent, never as HTML.
import type { AnimaApi, AppState, HomeView, LogService, OutcomeView, Result, Settings } from '../main/shared/ipc-contract';
import type { ServiceStatus, Vitals } from '../main/shared/status';
import { actionsFor, glance, outcomeText, updateBanners, uptime, when, windowTitle, type BannerView } from './view-model';
import { operationPhases, type PhaseView } from './phases';
import { CHART_H, CHART_W, formatVital, vitalsCharts, type ChartView } from './charts';

const anima: AnimaApi = window.anima;

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

let state: AppState | null = null;
let settings: Settings | null = null;
let settingsDirty = false;
let pending: string | null = null;
let homes: HomeView[] = [];

// ------------------------------------------------------------------ rendering

function render(): void {
  if (!state) return;
  const st = state.status;
  const env = st?.environment ?? 'unknown';
  const badge = $('env-badge');
  badge.textContent = env;
  badge.dataset.env = env;
  badge.setAttribute('aria-label', `Environment: ${env}`);
  document.title = windowTitle(state);

  const conn = $('connection');
  conn.textContent = state.connection === 'connected' ? 'supervisor connected' : state.connection === 'connecting' ? 'connecting…' : 'supervisor not running';
  conn.dataset.state = state.connection;

  $('home').textContent = state.home;
  $('package').textContent = st?.runtime.package ?? '—';
  const pinned = st?.runtime.pinned;
  $('version').textContent = st?.runtime.version ? `${st.runtime.version}${pinned && pinned !== st.runtime.version ? ` (pinned ${pinned})` : ''}` : pinned ? `not installed (pinned ${pinned})` : 'not installed yet: Start installs the channel\u2019s version';
  $('channel').textContent = st?.channel ?? '—';
  $('supervisor').textContent = st?.supervisor ? `running (pid ${st.supervisor.pid})` : 'not running (starts when needed)';
  const problem = $('problem');
  problem.hidden = !state.error;
  problem.textContent = state.error ?? '';
  $('footer').textContent = `Anima Desktop ${state.appVersion} · ${state.home}`;

  renderService('svc-web', st?.services.web, false);
  renderService('svc-agent', st?.services.agent, true);
  const errs = [st?.services.web.error && `web: ${st.services.web.error}`, st?.services.agent.error && `agent: ${st.services.agent.error}`].filter(Boolean) as string[];
  const svcErrors = $('svc-errors');
  svcErrors.hidden = errs.length === 0;
  svcErrors.textContent = errs.join('\n');

  const a = actionsFor(state);
  const busy = a.busy || pending !== null;
  setEnabled('btn-start', a.start && !busy);
  setEnabled('btn-stop', a.stop && !busy);
  setEnabled('btn-restart', a.restart && !busy);
  setEnabled('btn-check', !busy);

  renderBanners(busy);
  renderGlance();
  renderUpdates();
  renderOperation();
  renderHomes();
}

/** Writes only a change: the glance is a live region, and a rewrite of the same words is announced again. */
function setText(id: string, text: string): void {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function renderGlance(): void {
  if (!state) return;
  const g = glance(state);
  $('glance').dataset.tone = g.tone;
  setText('glance-head', g.headline);
  setText('glance-health', g.health);
  setText('glance-version', g.version);
  setText('glance-update', g.update);
  $('btn-see-update').hidden = !g.updateAction;
  $('updates-dot').hidden = !g.updateAction;
  const tab = $('tab-updates');
  if (g.updateAction) tab.setAttribute('aria-description', g.update);
  else tab.removeAttribute('aria-description');
}

function renderUpdates(): void {
  const st = state?.status;
  const u = st?.update;
  $('upd-current').textContent = st?.runtime.version ?? 'nothing installed yet';
  $('upd-channel').textContent = u?.channel ?? st?.channel ?? '—';
  $('upd-checked').textContent = u ? `${when(u.checkedAt)}${u.error ? ` (failed: ${u.error})` : ''}` : 'not yet (the supervisor checks while it runs)';
  $('upd-auto').textContent = u?.auto ? `Will upgrade to ${u.auto.target} when agents are idle for ${u.auto.idleMinutes} min${u.auto.dueAt ? ` (due ${when(u.auto.dueAt)})` : ''}` : 'Off: nothing changes until you click Upgrade';
  const last = st?.lastUpgrade;
  const auto = u?.lastAutoUpgrade;
  // A failed one names the version that stayed, not the one tried: its message says both.
  $('upd-last').textContent = last ? `${last.ok ? `${last.from ?? '(none)'} → ${last.to ?? '(none)'}` : last.message} (${when(last.at)})` : auto ? `${auto.to} by itself, ${auto.ok ? 'done' : 'failed'} (${when(auto.at)})` : '—';
}

/** The homes this user opened with the app: this window's one marked, each other one a button. */
function renderHomes(): void {
  $('homes-list').replaceChildren(
    ...homes.map((home) => {
      // This window's environment as it is now; the others' as they were when last opened.
      const env = (home.current && state?.status?.environment) || home.environment;
      const badge = env ? h('span', { class: 'badge', 'data-env': env, text: env }) : null;
      const path = h('code', { title: home.home, text: home.label });
      if (home.current) return h('li', { 'data-current': 'true' }, badge, path, h('span', { class: 'muted', text: 'this window' }));
      const open = button('Open', 'open-home', () => void openHome(home.home), false);
      open.setAttribute('aria-label', `Open ${home.label} in its own window`);
      return h('li', {}, badge, path, open);
    }),
  );
}

function setEnabled(id: string, enabled: boolean): void {
  ($(id) as HTMLButtonElement).disabled = !enabled;
}

function renderService(id: string, svc: ServiceStatus | undefined, isAgent: boolean): void {
  const row = $(id);
  const cell = (cls: string) => row.querySelector(`.${cls}`) as HTMLElement;
  const s = svc?.state ?? 'stopped';
  const stateCell = cell('state');
  stateCell.replaceChildren(h('span', { class: `dot ${s}`, 'aria-hidden': 'true' }), ` ${s}`);
  row.dataset.state = s;
  cell('pid').textContent = svc?.pid ? String(svc.pid) : '—';
  cell('uptime').textContent = svc?.state === 'running' ? uptime(svc.startedAt) : '—';
  let activity = '—';
  if (isAgent && svc && typeof svc.active === 'number') activity = `${svc.active} active, ${svc.queued ?? 0} queued`;
  if (!isAgent && svc?.url) activity = svc.url;
  cell('activity').textContent = activity;
}

function renderBanners(busy: boolean): void {
  const box = $('banners');
  const banners = updateBanners(state?.status?.update);
  box.replaceChildren(...banners.map((b) => banner(b, busy)));
}

function banner(b: BannerView, busy: boolean): HTMLElement {
  const el = h('div', { class: `banner ${b.kind}`, 'data-testid': `banner-${b.kind}` }, h('p', { class: 'banner-text', text: b.text }), b.sub ? h('p', { class: 'banner-sub', text: b.sub }) : null);
  const buttons = h('div', { class: 'banner-actions' });
  if (b.kind === 'upgrade' && b.version) {
    buttons.append(button(`Upgrade to ${b.version}`, 'upgrade', () => operation('upgrade', () => anima.upgrade()), busy, 'primary'));
    buttons.append(button('Skip this version', 'skip', () => skip(b.version!), busy));
  }
  if (b.kind === 'downgrade' && b.version) {
    buttons.append(button(`Downgrade to ${b.version}`, 'downgrade', () => operation('upgrade', () => anima.upgrade({ version: b.version })), busy));
    buttons.append(button('Skip this version', 'skip', () => skip(b.version!), busy));
  }
  if (b.kind === 'failed-upgrade' && b.version) {
    const target = state?.status?.update?.target;
    if (target === b.version) {
      buttons.append(button(`Try ${b.version} again`, 'retry-upgrade', () => operation('upgrade', () => anima.upgrade({ version: b.version })), busy));
      buttons.append(button('Skip this version', 'skip', () => skip(b.version!), busy));
    }
    buttons.append(button('Show log', 'show-log', () => void anima.showLog({ service: 'supervisor' }), false, 'link'));
  }
  if (buttons.childElementCount) el.append(buttons);
  return el;
}

function button(label: string, testid: string, onClick: () => void, disabled: boolean, cls = ''): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls, 'data-testid': testid, text: label });
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}

const MARKS = { done: '✓', failed: '✗', active: '…', pending: '○' } as const;
const MARK_WORDS = { done: 'done', failed: 'failed', active: 'in progress', pending: 'not yet' } as const;

function bar(p: PhaseView): HTMLElement | null {
  if (p.bar) {
    const b = p.bar;
    const el = h('div', { class: 'bar', role: 'progressbar', 'aria-label': p.title, 'aria-valuemin': '0', 'aria-valuemax': String(b.max), 'aria-valuenow': String(b.value), 'aria-valuetext': b.text }, h('span', { class: 'bar-fill' }));
    // CSSOM, not a style attribute: the CSP allows no inline styles.
    (el.firstChild as HTMLElement).style.width = `${b.max ? Math.round((b.value / b.max) * 100) : 0}%`;
    return el;
  }
  // No measure (dependencies, a switch): motion says it works, with no made-up percentage.
  return p.state === 'active' ? h('div', { class: 'bar indeterminate', role: 'progressbar', 'aria-label': p.title }, h('span', { class: 'bar-fill' })) : null;
}

function checksList(p: PhaseView): HTMLElement | null {
  if (!p.checks.length) return null;
  const failed = p.checks.some((c) => !c.ok);
  const details = h(
    'details',
    { class: 'checks', 'data-testid': `checks-${p.id}` },
    h('summary', { text: p.detail }),
    h('ul', {}, ...p.checks.map((c) => h('li', { class: c.ok ? 'ok' : 'failed' }, h('span', { class: 'mark', role: 'img', 'aria-label': c.ok ? 'passed' : 'failed', text: c.ok ? '✓' : '✗' }), h('code', { text: c.name }), h('span', { class: 'muted', text: c.detail })))),
  );
  // The failed check is the news: shown open.
  details.open = failed;
  return details;
}

function renderOperation(): void {
  if (!state) return;
  const running = !!(state.busy || state.status?.operation);
  const phases = operationPhases(state.progress, running);
  $('op-steps').replaceChildren(
    ...phases.map((p) =>
      h(
        'li',
        { class: `phase ${p.state}`, 'data-phase': p.id, 'data-state': p.state, 'data-testid': `phase-${p.id}` },
        h('span', { class: 'mark', role: 'img', 'aria-label': MARK_WORDS[p.state], text: MARKS[p.state] }),
        h('span', { class: 'phase-title', text: p.title }),
        p.checks.length ? checksList(p) : h('span', { class: 'phase-detail', text: p.detail }),
        bar(p),
      ),
    ),
  );
  const op = state.busy ?? state.status?.operation?.kind;
  $('op-idle').textContent = op ? `${op[0].toUpperCase()}${op.slice(1)} in progress…` : phases.length || state.lastOutcome ? 'Last operation:' : 'Nothing in progress.';
  const active = phases.find((p) => p.state === 'active');
  // One polite announcement per phase, not one per download chunk.
  const live = active ? `${active.title}` : '';
  if ($('op-live').textContent !== live) $('op-live').textContent = live;
  const card = $('operation');
  card.hidden = !running && !phases.length && !state.lastOutcome;
  card.classList.toggle('running', running);
  renderOutcome(running ? null : state.lastOutcome);
}

function renderOutcome(o: OutcomeView | null): void {
  const box = $('op-outcome');
  if (!o) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const t = outcomeText(o);
  box.hidden = false;
  box.className = `outcome ${t.tone}`;
  const parts: Node[] = [h('p', { class: 'outcome-head', text: t.headline })];
  if (t.sentence) parts.push(h('p', { class: 'outcome-sentence', 'data-testid': 'rollback-sentence', text: t.sentence }));
  // After the sentence, the failed check's own words are on demand.
  const [first, ...rest] = t.lines;
  if (t.sentence) parts.push(...rest.map((l) => h('p', { text: l })), h('details', {}, h('summary', { text: 'What failed' }), h('p', { text: first })));
  else parts.push(...t.lines.map((l) => h('p', { text: l })));
  if (t.tone !== 'ok') {
    const svc = t.logService ?? 'supervisor';
    parts.push(button(`Show log (${svc})`, 'outcome-show-log', () => void anima.showLog({ service: svc }), false, 'link'));
  }
  if (t.logTail) parts.push(h('details', {}, h('summary', { text: 'Last log lines' }), h('pre', { class: 'logs', text: t.logTail })));
  box.replaceChildren(...parts);
}

function renderSettings(): void {
  if (!settings || settingsDirty) return;
  ($('set-canary') as HTMLInputElement).checked = settings.channel === 'canary';
  ($('set-interval') as HTMLInputElement).value = String(settings.checkIntervalHours);
  ($('set-drain') as HTMLInputElement).value = String(settings.drainTimeoutSeconds);
  const login = $('set-login') as HTMLInputElement;
  login.checked = settings.launchAtLogin;
  const note = $('login-note');
  const said = settings.launchAtLoginUnavailable ?? settings.launchAtLoginNote ?? '';
  note.hidden = !said;
  note.textContent = said;
}

// ------------------------------------------------------------------ sections

type Section = 'overview' | 'updates' | 'logs' | 'settings';
let section: Section = 'overview';

function tabs(): HTMLButtonElement[] {
  return [...$('tabs').querySelectorAll<HTMLButtonElement>('[role="tab"]')];
}

function selectSection(next: Section, focusTab = false): void {
  section = next;
  for (const tab of tabs()) {
    const on = tab.dataset.section === next;
    tab.setAttribute('aria-selected', String(on));
    // Roving tabindex: Tab reaches the selected one, the arrows the others.
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute('aria-controls')!).hidden = !on;
    if (on && focusTab) tab.focus();
  }
  $('main').dataset.section = next;
  placeOperation();
  if (next === 'logs') void refreshLogs();
  syncVitals();
}

/** The operation card follows the section: below the overview's answers, below the update it came from, else on top. */
function placeOperation(): void {
  const card = $('operation');
  if (section === 'overview') $('glance').after(card);
  else if (section === 'updates') $('banners').after(card);
  else $(`panel-${section}`).prepend(card);
}

function onTabKey(e: KeyboardEvent): void {
  const all = tabs();
  const i = all.indexOf(e.target as HTMLButtonElement);
  if (i < 0) return;
  const to = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  selectSection(all[(to + all.length) % all.length].dataset.section as Section, true);
}

// ------------------------------------------------------------------ vitals

const SVG = 'http://www.w3.org/2000/svg';
let vitalsTimer: ReturnType<typeof setTimeout> | null = null;
let vitalsInFlight = false;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Node[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

function drawChart(c: ChartView): HTMLElement {
  const title = svg('title', {});
  title.textContent = c.summary;
  const grid = [0.25, 0.5, 0.75].map((f) => svg('line', { class: 'grid', x1: 0, x2: CHART_W, y1: CHART_H * f, y2: CHART_H * f }));
  const marks = c.marks.map((m) => {
    const t = svg('title', {});
    t.textContent = m.label;
    return svg('line', { class: `mark mark-${m.kind}`, 'data-service': m.service, x1: m.x, x2: m.x, y1: 0, y2: CHART_H }, t);
  });
  const lines = c.series.flatMap((s, i) => [
    ...(s.path ? [svg('path', { class: `series series-${i}`, 'data-series': s.key, d: s.path })] : []),
    ...(s.last ? [svg('circle', { class: `dot series-${i}`, 'data-series': s.key, cx: s.last.x, cy: s.last.y, r: 2.5 })] : []),
  ]);
  const plot = svg('svg', { class: 'chart', viewBox: `0 0 ${CHART_W} ${CHART_H}`, role: 'img', 'aria-label': c.summary, focusable: 'false' }, title, ...grid, svg('line', { class: 'axis', x1: 0, x2: CHART_W, y1: CHART_H, y2: CHART_H }), ...marks, ...lines);
  const legend = h('p', { class: 'chart-legend', 'aria-hidden': 'true' }, ...c.series.map((s, i) => h('span', {}, h('span', { class: `key series-${i}` }), ` ${s.label} `, h('strong', { text: formatVital(c.id, s.now) }))));
  return h(
    'figure',
    { class: 'chart-box', 'data-testid': `chart-${c.id}` },
    h('figcaption', {}, h('span', { text: c.title }), h('span', { class: 'muted', 'aria-hidden': 'true', text: `max ${c.maxLabel}` })),
    plot,
    h('div', { class: 'chart-axis muted', 'aria-hidden': 'true' }, h('span', { text: `${c.minutes} min ago` }), h('span', { text: 'now' })),
    legend,
  );
}

function renderVitals(v: Vitals | null, error?: string): void {
  const note = $('vitals-note');
  if (!v) {
    note.hidden = false;
    note.textContent = error ? `Could not read the vitals: ${error}` : 'Charts appear while Anima\u2019s supervisor runs.';
    $('charts').replaceChildren();
    return;
  }
  note.hidden = v.samples.length > 0;
  note.textContent = 'The first samples arrive in a few seconds.';
  const charts = vitalsCharts(v);
  $('charts').replaceChildren(...charts.map(drawChart));
  $('h-vitals').textContent = `Vitals, last ${charts[0].minutes} minutes`;
}

/** Asked only while someone can see the charts: the supervisor samples only while asked. */
function vitalsWanted(): boolean {
  return section === 'overview' && document.visibilityState === 'visible';
}

async function pollVitals(): Promise<void> {
  if (vitalsTimer) clearTimeout(vitalsTimer);
  vitalsTimer = null;
  if (!vitalsWanted() || vitalsInFlight) return;
  vitalsInFlight = true;
  let interval = 5000;
  try {
    const r = await anima.getVitals();
    if (r.ok) {
      renderVitals(r.value);
      if (r.value) interval = r.value.intervalMs;
    } else renderVitals(null, r.error.message);
  } finally {
    vitalsInFlight = false;
  }
  if (vitalsWanted() && !vitalsTimer) vitalsTimer = setTimeout(() => void pollVitals(), interval);
}

function syncVitals(): void {
  if (vitalsWanted()) {
    if (!vitalsTimer && !vitalsInFlight) void pollVitals();
  } else if (vitalsTimer) {
    clearTimeout(vitalsTimer);
    vitalsTimer = null;
  }
}

// ------------------------------------------------------------------ actions

function say(text: string): void {
  $('settings-msg').textContent = text;
}

async function operation(kind: string, fn: () => Promise<Result<unknown>>): Promise<void> {
  pending = kind;
  render();
  try {
    await fn(); // progress, state and the outcome arrive as events
  } finally {
    pending = null;
    render();
    void refreshLogs();
  }
}

async function skip(version: string): Promise<void> {
  const r = await anima.skipVersion({ version });
  if (!r.ok) showError('Skip', r.error.message);
}

function showError(what: string, message: string): void {
  const box = $('op-outcome');
  box.hidden = false;
  box.className = 'outcome error';
  box.replaceChildren(h('p', { class: 'outcome-head', text: `${what} failed` }), h('p', { text: message }));
}

async function checkForUpdates(show = false): Promise<void> {
  // Asked for by the user: the answer is in the Updates section, so go there.
  if (show) selectSection('updates');
  pending = 'check';
  render();
  const r = await anima.checkForUpdates();
  pending = null;
  render();
  if (!r.ok) showError('Update check', r.error.message);
}

async function loadSettings(): Promise<void> {
  const r = await anima.getSettings();
  if (r.ok) {
    settings = r.value;
    renderSettings();
  } else say(`Could not read the settings: ${r.error.message}`);
}

async function saveSettings(e: Event): Promise<void> {
  e.preventDefault();
  if (!settings) return;
  const canary = ($('set-canary') as HTMLInputElement).checked;
  const changes: [string, string][] = [];
  const channel = canary ? 'canary' : 'stable';
  if (channel !== settings.channel) changes.push(['channel', channel]);
  const interval = ($('set-interval') as HTMLInputElement).value.trim();
  if (interval !== String(settings.checkIntervalHours)) changes.push(['updates.checkIntervalHours', interval]);
  const drain = ($('set-drain') as HTMLInputElement).value.trim();
  if (drain !== String(settings.drainTimeoutSeconds)) changes.push(['drainTimeoutSeconds', drain]);
  for (const [key, value] of changes) {
    const r = await anima.setSetting({ key: key as 'channel', value });
    if (!r.ok) {
      say(`Not saved: ${r.error.message}`);
      return;
    }
    settings = r.value;
  }
  const login = ($('set-login') as HTMLInputElement).checked;
  if (login !== settings.launchAtLogin) {
    const r = await anima.setLaunchAtLogin({ enabled: login });
    if (!r.ok) {
      say(`Launch at login: ${r.error.message}`);
      return;
    }
    settings = r.value;
  }
  settingsDirty = false;
  renderSettings();
  // Saved, yet not in effect until the user does something elsewhere (macOS: approve the login item).
  say(settings.launchAtLoginNote ? `Saved. ${settings.launchAtLoginNote}` : 'Saved.');
  // A channel change changes what is offered: ask now rather than at the next interval.
  if (changes.some(([k]) => k === 'channel')) await checkForUpdates();
}

async function loadHomes(): Promise<void> {
  const r = await anima.listHomes();
  if (r.ok) {
    homes = r.value;
    renderHomes();
  } else $('homes-msg').textContent = `Could not list the homes: ${r.error.message}`;
}

async function openHome(home: string): Promise<void> {
  const r = await anima.openHome({ home });
  $('homes-msg').textContent = r.ok ? 'Opening it in its own window…' : `Could not open it: ${r.error.message}`;
}

async function openAnotherHome(): Promise<void> {
  const r = await anima.openAnotherHome();
  if (!r.ok) $('homes-msg').textContent = `Could not open it: ${r.error.message}`;
  else if (r.value) {
    $('homes-msg').textContent = 'Opening it in its own window…';
    await loadHomes();
  }
}

async function refreshLogs(): Promise<void> {
  const service = ($('log-service') as HTMLSelectElement).value as LogService;
  const r = await anima.getLogs({ service, lines: 60 });
  $('log-lines').textContent = r.ok ? (r.value.length ? r.value.join('\n') : `(${service}.log is empty)`) : `Could not read the log: ${r.error.message}`;
}

function focusSection(target: 'update' | 'operation'): void {
  if (target === 'update') selectSection('updates');
  else if (section !== 'overview' && section !== 'updates') selectSection('overview');
  const el = target === 'update' ? $('banners') : $('operation');
  el.scrollIntoView({ block: 'start' });
  (target === 'update' ? (el.querySelector('button') as HTMLElement | null) ?? $('main') : el).focus();
}

// ------------------------------------------------------------------ wiring

function wire(): void {
  $('btn-start').addEventListener('click', () => void operation('start', () => anima.start()));
  $('btn-stop').addEventListener('click', () => void operation('stop', () => anima.stop()));
  $('btn-restart').addEventListener('click', () => void operation('restart', () => anima.restart()));
  $('btn-dashboard').addEventListener('click', async () => {
    const r = await anima.openDashboard();
    if (!r.ok) showError('Open Dashboard', r.error.message);
  });
  $('btn-check').addEventListener('click', () => void checkForUpdates(true));
  $('btn-see-update').addEventListener('click', () => selectSection('updates', true));
  for (const tab of tabs()) tab.addEventListener('click', () => selectSection(tab.dataset.section as Section));
  $('tabs').addEventListener('keydown', onTabKey);
  document.addEventListener('visibilitychange', syncVitals);
  $('settings').addEventListener('submit', (e) => void saveSettings(e));
  $('settings').addEventListener('input', () => {
    settingsDirty = true;
    say('');
  });
  $('set-canary').addEventListener('change', () => {
    settingsDirty = true;
    // The opt-in takes effect at once (with its warning right beside it).
    void saveSettings(new Event('submit'));
  });
  $('btn-open-another-home').addEventListener('click', () => void openAnotherHome());
  // Other windows add their homes to the list: read it again when this one comes back to the front.
  window.addEventListener('focus', () => void loadHomes());
  $('log-service').addEventListener('change', () => void refreshLogs());
  $('btn-logs-refresh').addEventListener('click', () => void refreshLogs());
  $('btn-logs-open').addEventListener('click', () => void anima.showLog({ service: ($('log-service') as HTMLSelectElement).value as LogService }));

  let lastSummary = '';
  anima.on('state', (s) => {
    const prevChannel = state?.status?.channel;
    const wasConnected = state?.connection === 'connected';
    state = s;
    render();
    if (prevChannel && s.status && prevChannel !== s.status.channel && !settingsDirty) void loadSettings();
    const summary = JSON.stringify([s.connection, s.status?.services.web.state, s.status?.services.agent.state]);
    if (summary !== lastSummary) {
      lastSummary = summary;
      if (section === 'logs') void refreshLogs();
    }
    // A supervisor that just appeared has vitals: no need to wait for the next poll.
    if (!wasConnected && s.connection === 'connected') void pollVitals();
  });
  anima.on('focus', ({ section }) => focusSection(section));
  // Uptime ticks on the screen only; nothing is asked of the supervisor.
  setInterval(() => {
    if (state?.status?.services.web.state === 'running' || state?.status?.services.agent.state === 'running') {
      renderService('svc-web', state.status.services.web, false);
      renderService('svc-agent', state.status.services.agent, true);
    }
  }, 1000);
}

async function boot(): Promise<void> {
  wire();
  state = await anima.getState();
  render();
  await loadHomes();
  await loadSettings();
  await refreshLogs();
  document.body.dataset.ready = 'true';
  syncVitals();
}

void boot();
