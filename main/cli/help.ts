// What `--help` prints, from a command's description alone: the front (entry.ts) answers
// help from the descriptions taken at build time without loading any command.
import { formatOptions, type OptionSpec } from './args';

/** A command as help and dispatch see it: everything but its `run`. */
export interface CommandInfo {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  positionals?: readonly string[];
}

/** `env`: help shows the defaults in effect (ANIMA_RUNTIME_PACKAGE, ANIMA_HOME…). */
export function commandHelp(c: CommandInfo, env: NodeJS.ProcessEnv = {}): string {
  return `${c.usage}\n\n${c.summary}\n\nOptions:\n${formatOptions(c.options, env)}`;
}

export function generalHelp(commands: readonly CommandInfo[], env: NodeJS.ProcessEnv = {}): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'animactl: install, run and upgrade a local Anima runtime',
    '',
    'Usage: animactl <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options for every command:',
    formatOptions({}, env),
    '',
    "Run `animactl <command> --help` for a command's options, `animactl --version` for the versions.",
  ].join('\n');
}

/** The command the words of the command line name (two words first: `runtime status` before `status`). */
export function findCommand<C extends CommandInfo>(commands: readonly C[], argv: string[]): { command: C | null; words: number } {
  const words = argv.filter((a) => !a.startsWith('-'));
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) return { command, words: n };
  }
  return { command: null, words: 0 };
}
