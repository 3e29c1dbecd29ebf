import { Notification } from 'electron';
import type { NotificationSpec } from '../notify-policy';
import type { Section } from './status-window';

/** Desktop notifications; a click brings the status window up at the part it is about. */
export class Notifier {
  // Held until clicked or closed: Electron keeps only a weak reference to a Notification, and a
  // collected one drops its 'click' (electron#16922).
  private readonly live = new Set<Notification>();

  constructor(private readonly o: { icon?: string; onClick(section: Section): void }) {}

  notify(spec: NotificationSpec): void {
    if (!Notification.isSupported()) return;
    const n = new Notification({ title: spec.title, body: spec.body, ...(this.o.icon ? { icon: this.o.icon } : {}) });
    this.live.add(n);
    n.on('click', () => {
      this.live.delete(n);
      this.o.onClick(spec.section);
    });
    n.on('close', () => this.live.delete(n));
    n.show();
  }
}
