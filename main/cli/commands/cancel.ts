import { connectIfRunning } from '../../core/control-client';
import { defineCommand, homeLayout, JSON_OPTION } from '../command';
import { closing, homeArgs } from '../supervisor-client';

export const cancel = defineCommand({
  name: 'cancel',
  summary: 'cancel the running start, restart or upgrade (it winds down like a failure: an upgrade rolls back)',
  usage: 'animactl cancel [--json]',
  options: JSON_OPTION,
  async run(inv) {
    // The supervisor is all it needs: a broken config.json must not stand in the way out.
    const client = await connectIfRunning(homeLayout(inv));
    const answer = client ? await closing(client, (c) => c.request('cancel', {})) : { cancelled: null };
    if (inv.options.json) inv.out.json(answer);
    else if (!answer.cancelled) inv.out.out('Nothing to cancel: no operation is running.');
    else {
      const { kind, startedAt } = answer.cancelled;
      inv.out.out(`Cancelling the ${kind} started ${startedAt}: it stops waiting and winds down (see \`animactl status${homeArgs(inv)}\`).`);
    }
    return 0;
  },
});
