// The small framework every command is written against, after npm's `lib/base-cmd.js`:
// a command declares its options and positionals; parsing, `--help` and the check that
// nothing extra was typed happen once, in `invoke`, before the command runs.
import { UsageError } from '../core/errors';
import { createContext, parseChannel, type Context, type Overrides } from '../core/context';
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
    out.out(commandHelp(command));
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

/** The home, registry and package this invocation works on (a flag beats the environment, which beats config.json). */
export function contextFor(inv: Invocation, extra: Partial<Overrides> = {}): Context {
  const { home, registry, package: pkg } = inv.options;
  return createContext({ home, registry, package: pkg, ...extra }, inv.env);
}

/** The home's files without reading its config.json: for the one command that may have to repair it. */
export function homeLayout(inv: Invocation): HomeLayout {
  return layout(resolveHome(inv.options.home, inv.env));
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
