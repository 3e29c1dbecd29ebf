/**
 * The status window's Content-Security-Policy: sent as a header (session.webRequest
 * onHeadersReceived) and repeated in renderer/index.html's <meta> (a file: page has no
 * headers). No inline scripts or styles, nothing remote, no eval.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
