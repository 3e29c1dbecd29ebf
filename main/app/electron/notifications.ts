import { Notification } from 'electron';
import { keepAfterClose, type NotificationSpec } from '../notify-policy';
import type { Section } from './status-window';

/** Desktop notifications; a click brings the status window up at the part it is about. */
export class Notifier {
  // Held until clicked or closed: Electron keeps only a weak reference to a Notification, and a
  // collected one drops its 'click' (electron#16922).
  private readonly live = new Set<Notification>();
  /** What was shown, newest last, for the test hooks (the _electron suite can't see the OS's notifications). */
  readonly shown: NotificationSpec[] = [];

  constructor(private readonly o: { icon?: string; onClick(section: Section): void }) {}

  /** The test hooks' stand-in for the user's click on the last notification shown with this key. */
  clickShown(key: string): boolean {
    const spec = [...this.shown].reverse().find((n) => n.key === key);
    if (spec) this.o.onClick(spec.section);
    return !!spec;
  }

  notify(spec: NotificationSpec): void {
    this.shown.push(spec);
    if (this.shown.length > 50) this.shown.shift();
    if (!Notification.isSupported()) return;
    const n = new Notification({ title: spec.title, body: spec.body, ...(this.o.icon ? { icon: this.o.icon } : {}) });
    this.live.add(n);
    n.on('click', () => {
      this.live.delete(n);
      this.o.onClick(spec.section);
    });
    // A toast that timed out waits in the Windows Action Center, clickable: keep it (a few at most).
    n.on('close', (e) => {
      if (!keepAfterClose(e.reason)) this.live.delete(n);
    });
    if (this.live.size > 20) this.live.delete(this.live.values().next().value!);
    n.show();
  }
}
