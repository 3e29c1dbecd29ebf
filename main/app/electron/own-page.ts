import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { isAppPage } from '../navigation';
import { openExternalVetted } from './security';

/**
 * Did this IPC request come from `wc`'s own page? The sender must be that web contents and its
 * main frame (by ids, not by wrapper object: a frame inside it is not the page), showing
 * `pageUrl`. Identities first: a URL alone can be spelled several ways.
 */
export function isOwnPageSender(wc: WebContents | null, event: IpcMainInvokeEvent, pageUrl: string): boolean {
  const frame = event.senderFrame;
  if (!wc || wc.isDestroyed() || !frame || event.sender !== wc) return false;
  const main = wc.mainFrame;
  return frame.processId === main.processId && frame.routingId === main.routingId && isAppPage(frame.url, pageUrl);
}

/** Holds `wc` to `pageUrl`: a link the user followed goes to the browser (when it is plain http(s)), a redirect nowhere. */
export function lockToPage(wc: WebContents, pageUrl: string): void {
  wc.on('will-navigate', (e) => {
    if (isAppPage(e.url, pageUrl)) return;
    e.preventDefault();
    openExternalVetted(e.url);
  });
  wc.on('will-redirect', (e) => {
    if (!isAppPage(e.url, pageUrl)) e.preventDefault();
  });
}
