// The small framework every command is written against, after npm's `lib/base-cmd.js`:
// a command declares its options and positionals; parsing, `--help` and the check that
// nothing extra was typed happen once, in `invoke`, before the command runs.
import { AnimaError, UsageError } from '../core/errors';
import { createContext, parseChannel, type Context, type Overrides } from '../core/context';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { layout, resolveHome, type HomeLayout } from '../core/home';
import { acquireLock } from '../core/lock';
import { checkSpec } from '../core/installer';
import type { Channel } from '../shared/settings';
import { parse, type GLOBAL_OPTIONS, type OptionSpec } from './args';
import { commandHelp } from './help';
import type { Output } from './output';

type ValueOf<T extends OptionSpec[string]> = { boolean: boolean; string: string }[T['type']];

type Values<O extends OptionSpec> = { [K in keyof O]?: ValueOf<O[K]> };
/** The parsed flags of a command, typed from its option specs and the global ones (every flag may be absent). */
export type OptionValues<O extends OptionSpec> = Values<O> & Values<typeof GLOBAL_OPTIONS>;

export interface Invocation<O extends OptionSpec = OptionSpec, P extends readonly string[] = readonly string[]> {
  options: OptionValues<O>;
  /** The words after the command's name, by the names the command gave them; any may be missing. */
  positionals: { [K in P[number]]?: string };
  out: Output;
  env: NodeJS.ProcessEnv;
}

export interface Command<O extends OptionSpec = OptionSpec, P extends readonly string[] = readonly string[]> {
  /** One or two words: `status`, `runtime install`. */
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** The words the command takes after its name, in order; a word beyond them is a usage error. */
  positionals?: P;
  run(inv: Invocation<O, P>): Promise<number>;
}

/** Only for inference: the command's options and positionals type its `run`. */
export function defineCommand<O extends OptionSpec, const P extends readonly string[] = []>(command: Command<O, P>): Command<O, P> {
  return command;
}

/** Parses the command's part of the command line and runs it; `words` is how many words named it. */
export async function invoke(command: Command, argv: string[], words: number, out: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parse(argv, command.options);
  if (parsed.values.help) {
    out.out(commandHelp(command, env));
    return 0;
  }
  // Command words may appear among flags; drop exactly the words that named the command.
  const rest = parsed.positionals.slice(words);
  const names = command.positionals ?? [];
  if (rest.length > names.length) throw new UsageError(`Unexpected argument "${rest[names.length]}"`);
  const positionals = Object.fromEntries(rest.map((word, i) => [names[i], word]));
  // parseArgs types its values from a spec it only sees at run time; the spec is the command's own.
  return command.run({ options: parsed.values as OptionValues<OptionSpec>, positionals, out, env });
}

export const JSON_OPTION = { json: { type: 'boolean', description: 'print JSON, in the documented shape scripts rely on' } } as const satisfies OptionSpec;
export const NO_BROWSER_OPTION = { 'no-browser': { type: 'boolean', description: 'never open a browser' } } as const satisfies OptionSpec;
/** Which runtime version an install, start or restart targets. */
export const TARGET_OPTIONS = {
  channel: { type: 'string', value: 'C', description: 'stable or canary' },
  version: { type: 'string', value: 'V', description: 'an exact version (1.4.2) or a dist-tag' },
} as const satisfies OptionSpec;

/** `--channel` and `--version`, checked before anything is started or downloaded. */
export function targetOf(inv: Invocation<typeof TARGET_OPTIONS>): { channel: Channel | undefined; version: string | undefined } {
  const { version } = inv.options;
  if (version !== undefined) checkSpec(version);
  return { channel: parseChannel(inv.options.channel), version };
}

/**
 * The home the flags name: --home (a shell leaves the `~` of `--home=~/x` alone, so we
 * expand it), else --dev's development home, else ANIMA_HOME or ~/.anima.
 */
export function homeFlag(inv: Invocation): string | undefined {
  const { home, dev } = inv.options;
  if (home !== undefined) return expandTilde(home, inv.env);
  return dev !== undefined ? join(resolve(expandTilde(dev, inv.env)), '.anima-dev') : undefined;
}

export function expandTilde(path: string, env: NodeJS.ProcessEnv): string {
  if (path !== '~' && !path.startsWith('~/')) return path;
  return join(env.HOME || homedir(), path.slice(1));
}

/** The home, registry and package this invocation works on (a flag beats the environment, which beats config.json). */
export function contextFor(inv: Invocation, extra: Partial<Overrides> = {}): Context {
  const { registry, package: pkg } = inv.options;
  return createContext({ home: homeFlag(inv), registry, package: pkg, ...extra }, inv.env);
}

/** The home's files without reading its config.json: for commands that must work while it is broken. */
export function homeLayout(inv: Invocation): HomeLayout {
  return layout(resolveHome(homeFlag(inv), inv.env));
}

/**
 * The context, or null with the reason when config.json can't be read: stop, status and
 * logs don't need the settings (the supervisor, pid files and logs do without), so a
 * broken file must not lock the user out of them.
 */
export function contextIfReadable(inv: Invocation): { ctx: Context | null; paths: HomeLayout; problem: AnimaError | null } {
  try {
    const ctx = contextFor(inv);
    return { ctx, paths: ctx.paths, problem: null };
  } catch (e) {
    if (!(e instanceof AnimaError) || e.code !== 'ECONFIG') throw e;
    return { ctx: null, paths: homeLayout(inv), problem: e };
  }
}

/** Version commands in a development home: it runs its checkout, so there is no version to change. */
export function refuseInDevelopmentHome(ctx: Context, what: string): void {
  if (ctx.environment !== 'development') return;
  throw new AnimaError('EDEVELOPMENT', `${ctx.home} is a development home: it runs the checkout ${ctx.config.runtime.source}, so ${what} has no version to change`, {
    hint: 'Rebuild the checkout and run `animactl restart`; to run a published version, use another home (--home PATH).',
  });
}

/** Runs `fn` holding the home's operation lock: a second manager gets "operation X in progress since T by pid P". */
export async function withLock<T>(ctx: Context, operation: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireLock(ctx.paths.lock, operation);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
