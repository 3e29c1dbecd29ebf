import type { AppState, HomeView } from '../shared/ipc-contract';

/** What a tray item does; main.ts maps each to a function (this file stays pure and testable). */
export type MenuAction =
  | 'open-dashboard'
  | 'start'
  | 'stop'
  | 'restart'
  | 'upgrade'
  | 'check-updates'
  | 'open-window'
  | 'view-logs'
  | 'open-home'
  | 'open-another-home'
  | 'quit-leave-running'
  | 'quit-and-stop';

export interface TrayMenuItem {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
  action?: MenuAction;
  /** For 'open-home': which home. */
  home?: string;
  submenu?: TrayMenuItem[];
  /** The default item of a submenu (shown first, bold where the platform can). */
  isDefault?: boolean;
}

export type Summary = 'running' | 'stopped' | 'starting' | 'stopping' | 'draining' | 'crashed' | 'partly running';

/** One word for both services. */
export function summarize(state: AppState): Summary {
  const s = state.status?.services;
  if (!s) return 'stopped';
  const states = [s.web.state, s.agent.state];
  if (states.includes('crashed')) return 'crashed';
  if (states.includes('draining')) return 'draining';
  if (states.includes('stopping')) return 'stopping';
  if (states.includes('starting')) return 'starting';
  if (states.every((x) => x === 'running')) return 'running';
  if (states.some((x) => x === 'running')) return 'partly running';
  return 'stopped';
}

/** "Anima 1.1.0 · stable · running · 2 active" */
export function statusLine(state: AppState): string {
  const st = state.status;
  const version = st?.runtime.version ?? 'not installed';
  const env = st?.environment ?? '…';
  const parts = [`Anima ${version}`, env];
  const op = st?.operation?.kind ?? state.busy;
  parts.push(op ? `${op}…` : summarize(state));
  const agent = st?.services.agent;
  if (agent && agent.state === 'running' && typeof agent.active === 'number') {
    parts.push(`${agent.active} active`);
    if (agent.queued) parts.push(`${agent.queued} queued`);
  }
  return parts.join(' · ');
}

/** The tooltip names the home (and says so loudly when it is a development one). */
export function trayTooltip(state: AppState): string {
  const env = state.status?.environment;
  const head = env === 'development' ? 'Anima Desktop (DEVELOPMENT)' : 'Anima Desktop';
  const conn = state.connection === 'not-running' ? 'supervisor not running' : statusLine(state);
  return `${head}\n${conn}\nHome: ${state.home}`;
}

/**
 * The update the tray offers, if any: "Upgrade to 1.2.0" (one click), or a downgrade that
 * the channel now offers (canary → stable), which only opens the window: a downgrade is
 * confirmed there, explicitly.
 */
export function updateOffer(state: AppState): { label: string; version: string; action: MenuAction } | null {
  const u = state.status?.update;
  if (!u || u.skipped || !u.target) return null;
  if (u.available) return { label: `Upgrade to ${u.target}`, version: u.target, action: 'upgrade' };
  if (u.downgrade) return { label: `Downgrade to ${u.target}…`, version: u.target, action: 'open-window' };
  return null;
}

/** "stable · ~/.anima": the environment first, so that homes of different kinds stand apart. */
export function homeLabel(h: HomeView): string {
  return h.environment ? `${h.environment} · ${h.label}` : h.label;
}

/**
 * The "Homes" submenu: this instance's home checked (and disabled: it is this window), each
 * other one opens its own instance, and a folder picker for one not listed yet.
 */
export function homesMenu(homes: HomeView[]): TrayMenuItem {
  const items: TrayMenuItem[] = homes.map((h) =>
    h.current ? { label: homeLabel(h), type: 'checkbox', checked: true, enabled: false } : { label: homeLabel(h), action: 'open-home', home: h.home, enabled: true },
  );
  if (items.length) items.push({ type: 'separator' });
  items.push({ label: 'Open Another Home…', action: 'open-another-home', enabled: true });
  return { label: 'Homes', type: 'submenu', submenu: items };
}

/** The tray's menu for a state and the known homes: a pure function, rebuilt and re-attached on every change. */
export function buildTrayMenu(state: AppState, homes: HomeView[] = []): TrayMenuItem[] {
  const summary = summarize(state);
  const busy = !!(state.busy || state.status?.operation);
  const anyUp = !!state.status && (['running', 'starting', 'crashed'] as string[]).some((x) => x === state.status!.services.web.state || x === state.status!.services.agent.state);
  const items: TrayMenuItem[] = [{ label: statusLine(state), enabled: false }];
  if (state.connection === 'not-running') items.push({ label: 'Supervisor not running', enabled: false });
  if (state.error) items.push({ label: `Problem: ${state.error.slice(0, 80)}`, enabled: false });
  items.push({ type: 'separator' });
  items.push({ label: 'Open Dashboard', action: 'open-dashboard', enabled: true });
  if (summary !== 'running') items.push({ label: 'Start', action: 'start', enabled: !busy });
  if (anyUp) items.push({ label: 'Stop', action: 'stop', enabled: !busy });
  if (summary === 'running' || summary === 'crashed' || summary === 'partly running') items.push({ label: 'Restart', action: 'restart', enabled: !busy });
  items.push({ type: 'separator' });
  const offer = updateOffer(state);
  if (offer) items.push({ label: offer.label, action: offer.action, enabled: offer.action === 'open-window' || !busy });
  items.push({ label: 'Check for Updates', action: 'check-updates', enabled: !busy });
  items.push({ type: 'separator' });
  items.push({ label: 'Status & Settings…', action: 'open-window', enabled: true });
  items.push({ label: 'View Logs', action: 'view-logs', enabled: true });
  items.push(homesMenu(homes));
  items.push({ type: 'separator' });
  items.push({
    label: 'Quit',
    type: 'submenu',
    submenu: [
      { label: 'Quit and leave Anima running', action: 'quit-leave-running', enabled: true, isDefault: true },
      // Not while an operation runs: the supervisor would refuse the stop.
      { label: 'Quit and stop Anima (drain)', action: 'quit-and-stop', enabled: !busy },
    ],
  });
  return items;
}
