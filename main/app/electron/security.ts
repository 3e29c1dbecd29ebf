import { app, session, shell, type Session } from 'electron';
import { isRendererFile, isSafeExternalUrl } from '../navigation';
import { RENDERER_CSP } from '../csp';
import { DASHBOARD_PARTITION } from './window-options';
import { log } from './app-log';

export function openExternalVetted(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url);
  else log.warn(`refused to open ${url}`);
}

/** Deny every permission (camera, notifications from pages, geolocation…): Electron grants everything otherwise. */
function hardenSession(s: Session): void {
  s.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn(`denied permission request: ${permission}`);
    callback(false);
  });
  s.setPermissionCheckHandler(() => false);
}

/** Permissions, webviews, new windows and the status window's CSP header, for every session and web contents. */
export function hardenApp(rendererFile: string): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternalVetted(url);
      return { action: 'deny' };
    });
  });
  hardenSession(session.defaultSession);
  hardenSession(session.fromPartition(DASHBOARD_PARTITION));
  // The status window's CSP as a header too (the <meta> in index.html covers file: loads).
  // Only on our renderer's document: a CSP on every response of the default session also hits
  // DevTools (devtools://, which needs eval) and anything else loaded there.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!isRendererFile(details.url, rendererFile)) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
}
