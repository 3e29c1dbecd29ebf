import { formatOptions, parse } from './args';
import { configCommands, runtimeCommands, type Command } from './commands';
import { supervisorCommands } from './supervisor-commands';

const allCommands: Command[] = [...supervisorCommands, ...runtimeCommands, ...configCommands];
import { createOutput, reportError } from './output';
import { isAnimaError, UsageError } from '../core/errors';

function findCommand(argv: string[]): { command: Command | null; words: number } {
  const words = argv.filter((a) => !a.startsWith('-'));
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(' ');
    const command = allCommands.find((c) => c.name === name);
    if (command) return { command, words: n };
  }
  return { command: null, words: 0 };
}

function generalHelp(): string {
  const width = Math.max(...allCommands.map((c) => c.name.length)) + 2;
  return [
    'animactl: install, run and upgrade a local Anima runtime',
    '',
    'Usage: animactl <command> [options]',
    '',
    'Commands:',
    ...allCommands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options for every command:',
    formatOptions({}),
    '',
    'Run `animactl <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = createOutput();
  try {
    const { command, words } = findCommand(argv);
    if (!command) {
      const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
      if (wantsHelp) {
        out.out(generalHelp());
        return argv.length === 0 ? 2 : 0;
      }
      throw new UsageError(`Unknown command "${argv.filter((a) => !a.startsWith('-')).join(' ')}"`, 'Run `animactl --help` for the list of commands.');
    }
    const parsed = parse(argv, command.options);
    if (parsed.values.help) {
      out.out(`${command.usage}\n\n${command.summary}\n\nOptions:\n${formatOptions(command.options)}`);
      return 0;
    }
    // Command words may appear among flags; drop exactly the words that named the command.
    const rest = [...parsed.positionals];
    rest.splice(0, words);
    return await command.run({ parsed, rest, out, env });
  } catch (e) {
    out.endProgress();
    reportError(out, e);
    return isAnimaError(e) ? e.exitCode : 1;
  }
}

/**
 * Exit once output is flushed: pacote's keep-alive agents and timers would otherwise
 * hold the process open after an error.
 */
function exitWith(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** The program: run the command line, then exit with its code. bin/animactl.cjs calls this. */
export function run(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(exitWith, (e) => {
    process.stderr.write(`animactl: unexpected failure: ${e?.stack ?? e}\n`);
    exitWith(1);
  });
}

if (require.main === module) run();
