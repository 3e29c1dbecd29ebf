import type { ProgressEvent } from '../shared/control-protocol';
import type { AppState } from '../shared/ipc-contract';

export interface NotificationSpec {
  key: string;
  title: string;
  body: string;
  /** Where a click takes the user in the status window. */
  section: 'update' | 'operation';
}

/** "Anima 1.2.0 is available", once per version (the caller keeps the set of versions already told). */
export function updateNotification(state: AppState, alreadyNotified: ReadonlySet<string>): NotificationSpec | null {
  const u = state.status?.update;
  if (!u || !u.available || u.skipped || !u.target || alreadyNotified.has(u.target)) return null;
  return {
    key: u.target,
    title: u.downgrade ? `Anima ${u.target} is offered (a downgrade)` : `Anima ${u.target} is available`,
    body: u.current ? `You run ${u.current}. Open Anima Desktop to ${u.downgrade ? 'review' : 'upgrade'}; nothing changes until you click.` : 'Open Anima Desktop to install it.',
    section: 'update',
  };
}

/** An upgrade that finished, rolled back or failed (from the window, the tray or the CLI). */
export function upgradeNotification(ev: ProgressEvent): NotificationSpec | null {
  if (!ev.operation.startsWith('upgrade')) return null;
  if (ev.step === 'done') return { key: `done:${ev.message}`, title: 'Anima upgraded', body: ev.message, section: 'operation' };
  if (ev.step === 'rolled-back') return { key: `rolled-back:${ev.message}`, title: 'Upgrade rolled back', body: `${ev.message} Your previous version is running again.`, section: 'operation' };
  if (ev.step === 'failed') return { key: `failed:${ev.message}`, title: 'Upgrade failed', body: ev.message, section: 'operation' };
  return null;
}
