import { app, session, shell, type Session } from 'electron';
import { isSafeExternalUrl } from '../navigation';
import { DASHBOARD_PARTITION } from './window-options';
import { log } from './app-log';

/** Set by the test hooks: links are recorded there instead of opening a browser on the CI runner. */
let externalOpener: ((url: string) => void) | null = null;
export function recordExternalOpensInstead(record: (url: string) => void): void {
  externalOpener = record;
}

export function openExternalVetted(url: string): void {
  if (!isSafeExternalUrl(url)) return void log.warn(`refused to open ${url}`);
  if (externalOpener) externalOpener(url);
  else void shell.openExternal(url);
}

/** Deny every permission (camera, notifications from pages, geolocation…): Electron grants everything otherwise. */
function hardenSession(s: Session): void {
  s.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn(`denied permission request: ${permission}`);
    callback(false);
  });
  s.setPermissionCheckHandler(() => false);
}

/**
 * Permissions, webviews and new windows, for every session and web contents. Our pages' CSP
 * comes with them as a header from the anima-app: handler (app-protocol.ts).
 */
export function hardenApp(): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternalVetted(url);
      return { action: 'deny' };
    });
  });
  hardenSession(session.defaultSession);
  hardenSession(session.fromPartition(DASHBOARD_PARTITION));
}
