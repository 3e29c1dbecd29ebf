import type { OperationOutcome, ProgressEvent } from '../shared/control-protocol';
import type { AppState, Result } from '../shared/ipc-contract';
import type { UpdateState } from '../shared/status';

export interface NotificationSpec {
  key: string;
  title: string;
  body: string;
  /** Where a click takes the user in the status window. */
  section: 'update' | 'operation';
}

function offer(u: UpdateState): NotificationSpec | null {
  if (!u.available || u.skipped || !u.target) return null;
  return {
    key: u.target,
    title: u.downgrade ? `Anima ${u.target} is offered (a downgrade)` : `Anima ${u.target} is available`,
    body: u.current ? `You run ${u.current}. Open Anima Desktop to ${u.downgrade ? 'review' : 'upgrade'}; nothing changes until you click.` : 'Open Anima Desktop to install it.',
    section: 'update',
  };
}

/** "Anima 1.2.0 is available", once per version (the caller keeps the set of versions already told). */
export function updateNotification(state: AppState, alreadyNotified: { has(version: string): boolean }): NotificationSpec | null {
  const u = state.status?.update;
  const n = u ? offer(u) : null;
  return n && !alreadyNotified.has(n.key) ? n : null;
}

/** An upgrade that finished, rolled back or failed (from the window, the tray or the CLI). */
export function upgradeNotification(ev: ProgressEvent): NotificationSpec | null {
  if (!ev.operation.startsWith('upgrade')) return null;
  if (ev.step === 'done') return { key: `done:${ev.message}`, title: 'Anima upgraded', body: ev.message, section: 'operation' };
  if (ev.step === 'rolled-back') return { key: `rolled-back:${ev.message}`, title: 'Upgrade rolled back', body: `${ev.message} Your previous version is running again.`, section: 'operation' };
  if (ev.step === 'failed') return { key: `failed:${ev.message}`, title: 'Upgrade failed', body: ev.message, section: 'operation' };
  return null;
}

const inWords = (e: { message: string; hint?: string }) => [e.message, e.hint].filter(Boolean).join(' ');

/**
 * After Start, Stop or Restart from the tray: the window may be closed, so a failure is a
 * notification (a success shows in the icon and the menu).
 */
export function trayOperationNotification(action: 'start' | 'stop' | 'restart', r: Result<OperationOutcome>): NotificationSpec | null {
  if (r.ok && r.value.ok) return null;
  return { key: `${action}-failed`, title: `Anima could not ${action}`, body: r.ok ? r.value.message : inWords(r.error), section: 'operation' };
}

/** After Check for Updates from the tray: always an answer, "up to date" included. */
export function updateCheckNotification(r: Result<UpdateState | null>): NotificationSpec {
  if (!r.ok) return { key: 'check-failed', title: 'Could not check for updates', body: inWords(r.error), section: 'update' };
  const u = r.value;
  if (u?.error) {
    const since = u.lastSuccessAt ? ` The last successful check was at ${u.lastSuccessAt}.` : '';
    return { key: 'check-failed', title: 'Could not check for updates', body: `${u.error}${since}`, section: 'update' };
  }
  const n = u ? offer(u) : null;
  if (n) return n;
  const current = u?.current ? `Anima ${u.current} is` : 'You have';
  return { key: 'up-to-date', title: 'Anima is up to date', body: `${current} the newest on the ${u?.channel ?? 'stable'} channel.`, section: 'update' };
}

/**
 * "Quit and stop Anima": quit only once the stop went through. When the supervisor refused
 * (another operation runs) or the stop failed, the question to ask instead.
 */
export function quitAndStopQuestion(r: Result<OperationOutcome>): { message: string; detail: string } | null {
  if (r.ok && r.value.ok) return null;
  if (!r.ok && r.error.code === 'EBUSY') {
    const op = typeof r.error.details?.operation === 'string' ? r.error.details.operation : 'another operation';
    return { message: `Anima is busy (${op}): quit and leave it running?`, detail: `${r.error.message}. The services keep running; quit later to stop them.` };
  }
  return { message: 'Anima could not be stopped: quit and leave it running?', detail: r.ok ? r.value.message : inWords(r.error) };
}

/**
 * Windows: a toast that times out moves to the Action Center, where it can still be clicked;
 * its 'click' needs the Notification kept. Any other close is the end of it.
 */
export function keepAfterClose(reason: string | undefined): boolean {
  return reason === 'timedOut';
}
