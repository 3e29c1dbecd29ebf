import { defineCommand, JSON_OPTION } from '../command';
import { currentStatus } from '../supervisor-client';

function formatUptime(startedAt: string | null): string {
  if (!startedAt) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export const status = defineCommand({
  name: 'status',
  summary: 'what runs, from which version, in which environment',
  usage: 'animactl status [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const s = await currentStatus(inv);
    if (inv.options.json) {
      inv.out.json(s);
      return 0;
    }
    inv.out.out(`Anima ${s.runtime.version ?? '(not installed)'} · ${s.environment} · ${s.home}`);
    if (s.runtime.pinned && s.runtime.pinned !== s.runtime.version) inv.out.out(`  pinned ${s.runtime.pinned} (runs after the next restart)`);
    const { web, agent } = s.services;
    inv.out.out(`  web    ${web.state}${web.pid ? ` pid ${web.pid}, up ${formatUptime(web.startedAt)}, ${web.url}` : ''}`);
    inv.out.out(`  agent  ${agent.state}${agent.pid ? ` pid ${agent.pid}, up ${formatUptime(agent.startedAt)}, ${agent.active ?? 0} active, ${agent.queued ?? 0} queued` : ''}`);
    for (const svc of [web, agent]) if (svc.error && svc.state === 'crashed') inv.out.out(`  ${svc.error.split('\n')[0]}`);
    inv.out.out(`  supervisor ${s.supervisor ? `pid ${s.supervisor.pid}` : 'not running'}`);
    if (s.operation) inv.out.out(`  operation: ${s.operation.kind}${s.operation.step ? ` (${s.operation.step})` : ''} since ${s.operation.startedAt}`);
    const u = s.update;
    if (u?.available) inv.out.out(`  update available: ${u.target} (run \`animactl upgrade\`)${u.failedUpgrade ? `; the last attempt failed: ${u.failedUpgrade.reason}` : ''}`);
    else if (u?.downgrade) inv.out.out(`  the ${u.channel} channel offers ${u.target}: \`animactl restart --version ${u.target}\` to switch`);
    if (u?.error) inv.out.out(`  update check failed: ${u.error}`);
    return 0;
  },
});
