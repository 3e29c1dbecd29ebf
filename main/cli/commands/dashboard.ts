import { AnimaError } from '../../core/errors';
import { hasDisplay, openBrowser } from '../browser';
import { defineCommand, NO_BROWSER_OPTION } from '../command';
import { currentStatus } from '../supervisor-client';
import { loopbackDashboardUrl } from '../../shared/dashboard-url';

export const dashboard = defineCommand({
  name: 'dashboard',
  summary: 'print the dashboard URL and open it; never starts services',
  usage: 'animactl dashboard [--no-browser]',
  options: NO_BROWSER_OPTION,
  async run(inv) {
    // The supervisor's URL is the port web runs on now, whatever the settings say since.
    const { status: s } = await currentStatus(inv);
    const url = loopbackDashboardUrl(s.services.web.url);
    if (s.services.web.state !== 'running' || !url) {
      throw new AnimaError('ENOTRUNNING', `The web service is ${s.services.web.state}; the dashboard${url ? ` (${url})` : ''} is not available`, { hint: 'Start it with `animactl start`.' });
    }
    inv.out.out(url);
    if (!inv.options['no-browser'] && hasDisplay(inv.env)) openBrowser(url);
    return 0;
  },
});
