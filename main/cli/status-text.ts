// `animactl status` as text: shared by the status command and the front's fast path (entry.ts).
import type { HomeStatus } from '../shared/status';
import type { Output } from './output';

function formatUptime(startedAt: string | null): string {
  if (!startedAt) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function printStatus(s: HomeStatus, out: Output): void {
  out.out(`Anima ${s.runtime.version ?? '(not installed)'} · ${s.environment} · ${s.home}`);
  if (s.runtime.pinned && s.runtime.pinned !== s.runtime.version) out.out(`  pinned ${s.runtime.pinned} (runs after the next restart)`);
  const { web, agent } = s.services;
  out.out(`  web    ${web.state}${web.pid ? ` pid ${web.pid}, up ${formatUptime(web.startedAt)}, ${web.url}` : ''}`);
  out.out(`  agent  ${agent.state}${agent.pid ? ` pid ${agent.pid}, up ${formatUptime(agent.startedAt)}, ${agent.active ?? 0} active, ${agent.queued ?? 0} queued` : ''}`);
  for (const svc of [web, agent]) if (svc.error && svc.state === 'crashed') out.out(`  ${svc.error.split('\n')[0]}`);
  out.out(`  supervisor ${s.supervisor ? `pid ${s.supervisor.pid}` : 'not running'}`);
  if (s.operation) out.out(`  operation: ${s.operation.kind}${s.operation.step ? ` (${s.operation.step})` : ''} since ${s.operation.startedAt}`);
  const u = s.update;
  if (u?.available) out.out(`  update available: ${u.target} (run \`animactl upgrade\`)${u.failedUpgrade ? `; the last attempt failed: ${u.failedUpgrade.reason}` : ''}`);
  else if (u?.downgrade) out.out(`  the ${u.channel} channel offers ${u.target}: \`animactl restart --version ${u.target}\` to switch`);
  if (u?.error) out.out(`  update check failed: ${u.error}`);
}
