// `animactl status` as text: shared by the status command and the front's fast path (entry.ts).
import type { AutoUpgradePlan, HomeStatus, UpdateState } from '../shared/status';
import type { Output } from './output';

function formatUptime(startedAt: string | null): string {
  if (!startedAt) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function formatMinutes(m: number): string {
  return m < 1 ? `${Math.round(m * 60)} s` : `${Number.isInteger(m) ? m : m.toFixed(1)} min`;
}

function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The upgrade that will happen by itself (updates.auto when-idle), said before it does. */
export function describeAutoPlan(p: AutoUpgradePlan): string {
  const when = p.dueAt ? `, at ${formatClock(p.dueAt)} if they stay idle` : p.idleSince === null ? '; they are busy now' : '';
  return `will upgrade to ${p.target} when agents have been idle for ${formatMinutes(p.idleMinutes)}${when}`;
}

/** The update lines of `status`: the offer, the automatic upgrade planned or last done, a failed check. */
export function describeUpdate(u: UpdateState): string[] {
  const lines: string[] = [];
  if (u.available) lines.push(`update available: ${u.target} (run \`animactl upgrade\`)${u.failedUpgrade ? `; the last attempt failed: ${u.failedUpgrade.reason}` : ''}`);
  else if (u.downgrade) lines.push(`the ${u.channel} channel offers ${u.target}: \`animactl restart --version ${u.target}\` to switch`);
  if (u.auto) lines.push(describeAutoPlan(u.auto));
  const last = u.lastAutoUpgrade;
  if (last) lines.push(`last automatic upgrade, to ${last.to} at ${last.at}: ${last.ok ? 'done' : 'failed'} (${last.message.replace(/\.$/, '')})`);
  // The recorded reason may already say it is a failed check: say so once.
  if (u.error) lines.push(`update check failed: ${u.error.replace(/^update check failed:\s*/i, '')}`);
  return lines;
}

/** `homeArgs`: how this command named the home (` --home X`), repeated in the commands it suggests. */
export function printStatus(s: HomeStatus, out: Output, homeArgs = ''): void {
  out.out(`Anima ${s.runtime.version ?? '(not installed)'} · ${s.environment} · ${s.home}`);
  if (s.runtime.pinned && s.runtime.pinned !== s.runtime.version) out.out(`  pinned ${s.runtime.pinned} (runs after the next restart)`);
  const { web, agent } = s.services;
  out.out(`  web    ${web.state}${web.pid ? ` pid ${web.pid}, up ${formatUptime(web.startedAt)}, ${web.url}` : ''}`);
  out.out(`  agent  ${agent.state}${agent.pid ? ` pid ${agent.pid}, up ${formatUptime(agent.startedAt)}, ${agent.active ?? 0} active, ${agent.queued ?? 0} queued` : ''}`);
  for (const svc of [web, agent]) if (svc.error && svc.state === 'crashed') out.out(`  ${svc.error.split('\n')[0]}`);
  out.out(`  supervisor ${s.supervisor ? `pid ${s.supervisor.pid}` : 'not running'}`);
  if (s.operation) out.out(`  operation: ${s.operation.kind}${s.operation.step ? ` (${s.operation.step})` : ''} since ${s.operation.startedAt} (\`animactl cancel${homeArgs}\` to cancel it)`);
  if (s.update) for (const line of describeUpdate(s.update)) out.out(`  ${line}`);
}
