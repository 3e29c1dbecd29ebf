/**
 * Credentials never reach a message, a log or a file of the home (spec/cli.md). A registry
 * or proxy URL may carry `user:password@`, and npm's own errors quote such URLs verbatim.
 *
 * Not `@npmcli/redact`: it keeps the user name and also rewrites every UUID, which would
 * mangle home paths (macOS temp folders) and boot ids in our messages. This removes the
 * whole `user:password@` part (a user name alone is often a token too) and npm's
 * `npm_…` access tokens, and nothing else.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;
const NPM_TOKEN = /\b(npms?_)[A-Za-z0-9]{36,48}\b/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9+/=._~-]{8,}/g;

export function redact(text: string): string {
  return text.replace(URL_USERINFO, '$1***@').replace(NPM_TOKEN, '$1***').replace(BEARER, '$1 ***');
}

/** A URL as it may be shown or stored: without `user:password@`. */
export function redactUrl(url: string): string {
  return redact(url);
}

/** Every string inside a JSON-like value, redacted (records, status documents, error details). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** An error's message and hint, redacted in place, so whoever prints or records it later can't leak what npm quoted. */
export function redactError<E>(e: E): E {
  if (e instanceof Error) {
    try {
      e.message = redact(e.message);
      if (e.stack) e.stack = redact(e.stack);
      const o = e as unknown as { hint?: unknown; details?: unknown };
      if (typeof o.hint === 'string') Object.defineProperty(e, 'hint', { value: redact(o.hint), configurable: true, enumerable: true });
      if (o.details) Object.defineProperty(e, 'details', { value: redactDeep(o.details), configurable: true, enumerable: true });
    } catch {
      // A frozen error stays as it is; callers still redact what they print.
    }
  }
  return e;
}
