// The update bar above the runtime's dashboard: our own page in its own view, talking only
// to window.animaBar (preload/bar.ts, a handful of methods). Text from the supervisor goes
// in as textContent, never as HTML.
import type { AppState, BarApi } from '../../main/shared/ipc-contract';
import { barView, type BarView } from './view-model';

const api: BarApi = window.animaBar;

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from bar/index.html`);
  return el as T;
}

let state: AppState | null = null;
let dismissed: string | null = null;
/** A click was sent and its answer (a state push) hasn't come yet: no second click meanwhile. */
let pending = false;
/** Said once next to the buttons when a request failed (a skip the supervisor refused…). */
let problem: string | null = null;
/** The buttons shown, by what they are: rebuilt only when that changes, so focus stays put. */
let shownActions = '';
let reportedHeight = -1;

interface Action {
  label: string;
  testid: string;
  cls?: string;
  aria?: string;
  run(): void;
}

function actionsFor(v: BarView): Action[] {
  const details = (section: 'update' | 'operation'): Action => ({ label: 'Details', testid: 'bar-details', cls: 'link', aria: 'Details in the status window', run: () => void api.showStatus({ section }) });
  if (v.kind === 'offer') {
    return [
      { label: 'Upgrade', testid: 'bar-upgrade', cls: 'primary', aria: `Upgrade to Anima ${v.version}`, run: () => void send(() => api.upgrade()) },
      { label: 'Skip this version', testid: 'bar-skip', run: () => void send(() => api.skipVersion({ version: v.version })) },
      details('update'),
    ];
  }
  if (v.kind === 'upgrading') return [details('operation')];
  if (v.kind === 'outcome') {
    return [
      ...(v.details ? [details('operation')] : []),
      { label: '✕', testid: 'bar-dismiss', cls: 'dismiss', aria: 'Dismiss', run: () => dismiss(v.key) },
    ];
  }
  return [];
}

async function send(fn: () => Promise<{ ok: boolean; error?: { message: string } }>): Promise<void> {
  pending = true;
  problem = null;
  render();
  try {
    const r = await fn();
    // An upgrade that fails arrives as its outcome (a state push); anything else is said here.
    if (!r.ok && r.error && state?.lastOutcome?.error?.message !== r.error.message) problem = r.error.message;
  } finally {
    pending = false;
    render();
  }
}

function dismiss(key: string): void {
  dismissed = key;
  render();
}

function render(): void {
  const v = barView(state, dismissed);
  const bar = $('bar');
  bar.hidden = v.kind === 'hidden';
  bar.dataset.kind = v.kind;
  bar.dataset.tone = v.kind === 'outcome' ? v.tone : '';
  const text = v.kind === 'hidden' ? '' : v.text;
  $('bar-text').textContent = text;
  $('bar-sub').textContent = problem ?? (v.kind === 'offer' ? v.sub : '');

  const box = $('bar-progress');
  const meter = $<HTMLProgressElement>('bar-meter');
  box.hidden = v.kind !== 'upgrading';
  if (v.kind === 'upgrading') {
    if (v.progress) {
      meter.max = v.progress.max;
      meter.value = v.progress.value;
      meter.setAttribute('aria-valuetext', v.progress.text);
    } else {
      // No value attribute: the indeterminate bar, for phases with nothing to count.
      meter.removeAttribute('value');
      meter.removeAttribute('aria-valuetext');
    }
    $('bar-phase').textContent = v.detail ? `${v.phase}: ${v.detail}` : v.phase;
  }
  // What a screen reader hears: the kind of news, not every byte.
  const live = v.kind === 'upgrading' ? `${v.text}. ${v.phase}.` : text;
  if ($('bar-live').textContent !== live) $('bar-live').textContent = live;

  const actions = actionsFor(v);
  const key = JSON.stringify([v.kind, v.kind === 'offer' ? v.version : v.kind === 'outcome' ? v.key : '', actions.map((a) => a.testid)]);
  if (key !== shownActions) {
    shownActions = key;
    const hadFocus = $('bar-actions').contains(document.activeElement);
    $('bar-actions').replaceChildren(...actions.map(button));
    // Focus left with the buttons that went: give it to the first new one rather than to nowhere.
    if (hadFocus) ($('bar-actions').querySelector('button') as HTMLButtonElement | null)?.focus();
  }
  for (const b of $('bar-actions').querySelectorAll('button')) b.disabled = pending && b.dataset.testid !== 'bar-details';
  reportHeight();
}

function button(a: Action): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = a.cls ?? '';
  b.dataset.testid = a.testid;
  b.textContent = a.label;
  if (a.aria) b.setAttribute('aria-label', a.aria);
  b.addEventListener('click', () => a.run());
  return b;
}

/** Main lays the dashboard out below the bar: tell it the height the bar needs, when it changes. */
function reportHeight(): void {
  const bar = $('bar');
  const height = bar.hidden ? 0 : Math.min(160, Math.ceil(bar.getBoundingClientRect().height));
  if (height === reportedHeight) return;
  reportedHeight = height;
  void api.setBarHeight({ height });
}

async function boot(): Promise<void> {
  api.on('state', (s) => {
    state = s;
    render();
  });
  // The text wraps when the window narrows: the height follows.
  new ResizeObserver(() => reportHeight()).observe($('bar'));
  document.addEventListener('keydown', (e) => {
    const v = barView(state, dismissed);
    if (e.key === 'Escape' && v.kind === 'outcome') dismiss(v.key);
  });
  state = await api.getState();
  render();
  document.body.dataset.ready = 'true';
}

void boot();
