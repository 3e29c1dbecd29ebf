import { isAnimaError, messageOf } from '../core/errors';
import { redact, redactDeep } from '../core/redact';

export interface Output {
  out(line?: string): void;
  err(line?: string): void;
  json(value: unknown): void;
  /** Progress of long work: one rewritten line on a terminal, plain lines otherwise. */
  progress(text: string): void;
  endProgress(): void;
}

/**
 * Everything the CLI prints goes through here, and through `redact`: messages quote URLs
 * and npm errors as they came, and a `user:password@` must never reach a terminal or a log
 * that captures it.
 */
export function createOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const tty = !!stderr.isTTY;
  let live = false;
  let last = '';
  const clear = () => {
    if (live) stderr.write('\r\x1b[2K');
    live = false;
  };
  return {
    out: (line = '') => {
      clear();
      stdout.write(redact(line) + '\n');
    },
    err: (line = '') => {
      clear();
      stderr.write(redact(line) + '\n');
    },
    json: (value) => stdout.write(JSON.stringify(redactDeep(value), null, 2) + '\n'),
    progress: (raw) => {
      const text = redact(raw);
      if (tty) {
        stderr.write(`\r\x1b[2K${text.slice(0, (stderr.columns || 80) - 1)}`);
        live = true;
      } else if (text !== last) {
        stderr.write(text + '\n');
      }
      last = text;
    },
    endProgress: clear,
  };
}

const jsonShown = new WeakSet<object>();

/** For a command that printed its own JSON shape with the error in it: main then prints only the text. */
export function markJsonShown<E>(e: E): E {
  if (typeof e === 'object' && e !== null) jsonShown.add(e);
  return e;
}

/** spec/cli.md: with `--json`, a failure is JSON on stdout too, an `error` object with `code` and `message`. */
export function errorJson(e: unknown): { code: string; message: string; hint?: string } {
  return isAnimaError(e) ? { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } : { code: 'EUNEXPECTED', message: messageOf(e) };
}

export function reportJsonError(o: Output, e: unknown): void {
  if (typeof e === 'object' && e !== null && jsonShown.has(e)) return;
  o.json({ error: errorJson(e) });
}

/** The one place errors become text: what failed, then what to do. Never a stack trace, unless ANIMA_DEBUG asks. */
export function reportError(o: Output, e: unknown): void {
  o.err(`animactl: ${messageOf(e)}`);
  if (isAnimaError(e) && e.hint) o.err(`  ${e.hint}`);
  if (process.env.ANIMA_DEBUG && e instanceof Error && e.stack) o.err(e.stack);
}
