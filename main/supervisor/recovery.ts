import type { HomeLayout } from '../core/home';
import { liveProcess } from '../core/pidfile';
import type { OperationRunner } from './operation-runner';
import type { Services } from './services';
import { parseUpgradeRecord } from './upgrade';
import { UPGRADE_KINDS, type UpgradePhase, type UpgradeStep } from './upgrade-phase';

/** What a killed predecessor left half-done, to be settled before anything else. */
export type Interrupted = { kind: 'stop' } | { kind: 'upgrade'; record: UpgradePhase & { interruptedAt?: UpgradeStep } } | null;

/**
 * Reads the journal a killed supervisor left (run/operation.json). A stop is finished; an
 * upgrade (or a recovery of one) is settled by `recoverUpgrade`, and its journal stays on
 * disk until then, since that may be cut short too. Start and restart need no resuming.
 */
export function readInterrupted(ops: OperationRunner, report: (message: string) => void): Interrupted {
  const raw = ops.readInterrupted();
  let found: Interrupted = null;
  if (raw?.kind === 'stop') found = { kind: 'stop' };
  else if (raw && UPGRADE_KINDS.has(String(raw.kind))) {
    const record = parseUpgradeRecord(raw);
    if (record) found = { kind: 'upgrade', record };
    else report(`run/operation.json holds an upgrade record this version cannot read; it was discarded: ${JSON.stringify(raw).slice(0, 300)}`);
  }
  if (found?.kind !== 'upgrade') ops.discardInterrupted();
  return found;
}

/**
 * Adopts the services a predecessor left running, found by pid file with the same start
 * time, never a stranger. A stop that was cut short is still what the user wants: then
 * they are adopted to be stopped, not restarted.
 */
export function adoptServices(services: Services, paths: HomeLayout, stopping: boolean): string[] {
  const adopted: string[] = [];
  for (const s of services.all) {
    const file = paths.pidFile(s.name);
    const rec = liveProcess(file);
    if (!rec) continue;
    s.proc.adopt(rec, file);
    s.proc.transition('starting');
    s.proc.transition('running');
    s.want(stopping ? 'stopped' : 'running');
    adopted.push(`${s.name} (pid ${rec.pid}, ${rec.version})`);
  }
  return adopted;
}
