import type { ErrorBody } from '../shared/control-protocol';

/**
 * Errors that reach users. Every failure the manager reports says what failed and
 * where (a file, a package, a registry URL), and carries the exit code of spec/cli.md:
 * 1 = the operation failed, 2 = the input was invalid.
 */
export class AnimaError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  /** What the user can do about it, shown under the message. */
  readonly hint?: string;
  /** Machine-readable facts (package, version, registry, check name…) for JSON output and events. */
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, opts: { exitCode?: 1 | 2; hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AnimaError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  toJSON() {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** Bad input from a user or script: an unknown flag or setting, a version that is not semver. Exit code 2. */
export class UsageError extends AnimaError {
  constructor(message: string, hint?: string) {
    super('EUSAGE', message, { exitCode: 2, hint });
    this.name = 'UsageError';
  }
}

export function isAnimaError(e: unknown): e is AnimaError {
  return e instanceof AnimaError;
}

/** The errno-style code of a Node or npm error, if any. */
export function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * An error as it crosses a process boundary (the control protocol, the app's IPC): an
 * AnimaError keeps its code, hint and details; a Node or npm error its errno-style code.
 */
export function errorBody(e: unknown, fallbackCode = 'EUNEXPECTED'): ErrorBody {
  if (isAnimaError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) };
  return { code: errorCode(e) ?? fallbackCode, message: messageOf(e) };
}
