import { defineCommand, JSON_OPTION } from '../command';
import { errorJson } from '../output';
import { printStatus } from '../status-text';
import { currentStatus, homeArgs } from '../supervisor-client';

export const status = defineCommand({
  name: 'status',
  summary: 'what runs, from which version, in which environment',
  usage: 'animactl status [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const { status: s, problem } = await currentStatus(inv);
    if (inv.options.json) {
      inv.out.json(problem ? { ...s, configError: errorJson(problem) } : s);
      return 0;
    }
    if (problem) inv.out.err(`Warning: ${problem.message}${s.supervisor ? '; the supervisor goes on with the last good settings' : '; the settings below are unknown until it is fixed'}.`);
    printStatus(s, inv.out, homeArgs(inv));
    return 0;
  },
});
