import { defineCommand, JSON_OPTION } from '../command';
import { printStatus } from '../status-text';
import { currentStatus } from '../supervisor-client';

export const status = defineCommand({
  name: 'status',
  summary: 'what runs, from which version, in which environment',
  usage: 'animactl status [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const s = await currentStatus(inv);
    if (inv.options.json) inv.out.json(s);
    else printStatus(s, inv.out);
    return 0;
  },
});
