// `animactl`'s commands, and dispatch to the one the command line names. Built as
// dist/cli-commands.cjs, loaded by the front (entry.ts) for whatever it doesn't answer itself.
import { isAnimaError, UsageError } from '../core/errors';
import { invoke, type Command } from './command';
import { cancel } from './commands/cancel';
import { configGet, configSet, configUnset } from './commands/config';
import { dashboard } from './commands/dashboard';
import { restart, start, stop } from './commands/lifecycle';
import { logs } from './commands/logs';
import { runtimeInstall, runtimeStatus } from './commands/runtime';
import { serviceInstall, serviceStatusCommand, serviceUninstall } from './commands/service';
import { status } from './commands/status';
import { upgrade } from './commands/upgrade';
import { verify } from './commands/verify';
import { findCommand, generalHelp } from './help';
import { runProgram } from './program';
import { createOutput, reportError, reportJsonError } from './output';

/** In the order `--help` lists them; scripts/build.mjs gives the front their descriptions. */
export const COMMANDS: Command[] = [status, start, stop, restart, dashboard, logs, verify, runtimeStatus, runtimeInstall, upgrade, cancel, configGet, configSet, configUnset, serviceInstall, serviceUninstall, serviceStatusCommand];

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = createOutput();
  try {
    const { command, words } = findCommand(COMMANDS, argv);
    if (command) return await invoke(command, argv, words, out, env);
    const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
    if (!wantsHelp) throw new UsageError(`Unknown command "${argv.filter((a) => !a.startsWith('-')).join(' ')}"`, 'Run `animactl --help` for the list of commands.');
    out.out(generalHelp(COMMANDS, env));
    return argv.length === 0 ? 2 : 0;
  } catch (e) {
    out.endProgress();
    if (argv.includes('--json')) reportJsonError(out, e);
    reportError(out, e);
    return isAnimaError(e) ? e.exitCode : 1;
  }
}

if (require.main === module) runProgram(main);
