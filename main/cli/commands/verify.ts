import { AnimaError } from '../../core/errors';
import { defineCommand, homeLayout, JSON_OPTION } from '../command';
import { errorJson, markJsonShown } from '../output';
import { closing } from '../supervisor-client';
import { connectIfRunning } from '../../core/control-client';

export const verify = defineCommand({
  name: 'verify',
  summary: "run the runtime contract's verification checks against what runs now",
  usage: 'animactl verify [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const paths = homeLayout(inv);
    const client = await connectIfRunning(paths);
    if (!client) {
      const e = new AnimaError('ENOTRUNNING', `Nothing runs in ${paths.home}: there is nothing to verify`, { hint: 'Start it with `animactl start`.' });
      if (inv.options.json) inv.out.json({ ok: false, version: null, checks: [], error: errorJson(e) });
      throw markJsonShown(e);
    }
    const r = await closing(client, (c) => c.request('verify', {}, { timeoutMs: 60_000 }));
    if (inv.options.json) inv.out.json(r);
    else {
      for (const c of r.checks) inv.out.out(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
      inv.out.out(r.ok ? `Verified ${r.version}.` : 'Verification failed.');
    }
    return r.ok ? 0 : 1;
  },
});
