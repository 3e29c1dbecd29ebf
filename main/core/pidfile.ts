import { readFileSync, rmSync } from 'node:fs';
import { writeJsonAtomic } from './atomic';
import { isSameProcess, processStartTime, type ProcessRef } from './process-identity';

/** A service's pid file: enough to find it again after a supervisor crash, and to know it's still the same process. */
export interface PidRecord extends ProcessRef {
  service: string;
  version: string;
  startedAt: string;
  runtimeDir: string;
}

export function writePidFile(file: string, record: Omit<PidRecord, 'startTime'>): PidRecord {
  const full: PidRecord = { ...record, startTime: processStartTime(record.pid) };
  writeJsonAtomic(file, full);
  return full;
}

export function readPidFile(file: string): PidRecord | null {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
    return Number.isInteger(r.pid) ? r : null;
  } catch {
    return null;
  }
}

/**
 * The recorded process if it is still that process; otherwise null, and the stale
 * file is removed. A stale record is never signalled: after a reboot or pid reuse
 * its pid may belong to anyone.
 */
export function liveProcess(file: string): PidRecord | null {
  const r = readPidFile(file);
  if (!r) return null;
  if (isSameProcess(r)) return r;
  rmSync(file, { force: true });
  return null;
}

export function removePidFile(file: string, pid?: number): void {
  if (pid !== undefined && readPidFile(file)?.pid !== pid) return;
  rmSync(file, { force: true });
}
