import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { errorCode } from './errors';

/**
 * A process named by pid *and* start time, so that a pid file outliving its
 * process (a crash, a reboot, pid reuse) is recognised as stale and never signalled.
 */
export interface ProcessRef {
  pid: number;
  /** Opaque: equal strings mean the same process. null when it could not be read: such a record is never trusted. */
  startTime: string | null;
}

let bootId: string | null | undefined;

function linuxBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** The start time of a live process, or null when it does not exist (or can't be read). */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie has exited; only its parent hasn't reaped it yet (common for detached processes in containers).
      if (fields[0] === 'Z' || fields[0] === 'X') return null;
      return `${linuxBootId() ?? 'boot'}:${fields[19]}`;
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return windowsCreationTime(pid);
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
  const out = ps.stdout?.trim();
  return ps.status === 0 && out ? out : null;
}

/**
 * Windows: the process creation time (100 ns ticks, UTC), which a reused pid can't share.
 * PowerShell is slow to start (a few hundred ms) but this is asked for once per record.
 */
function windowsCreationTime(pid: number): string | null {
  const ps = spawnSync(
    'powershell.exe',
    ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid} -ErrorAction Stop).StartTime.ToUniversalTime().Ticks`],
    { encoding: 'utf8', windowsHide: true, timeout: 10_000 },
  );
  const out = ps.stdout?.trim();
  return ps.status === 0 && out && /^\d+$/.test(out) ? `win:${out}` : null;
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return process.platform !== 'linux' || processStartTime(pid) !== null;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(e) === 'EPERM';
  }
}

export function currentProcessRef(): ProcessRef {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

export function refOf(pid: number): ProcessRef {
  return { pid, startTime: processStartTime(pid) };
}

/**
 * True only if the process that was recorded is the one running under that pid now. A
 * record without a start time proves nothing (a hand-written or truncated pid file, a
 * platform that couldn't tell): it is never ours, so never adopted and never signalled.
 */
export function isSameProcess(ref: ProcessRef): boolean {
  if (typeof ref.startTime !== 'string' || ref.startTime === '') return false;
  if (!isAlive(ref.pid)) return false;
  return processStartTime(ref.pid) === ref.startTime;
}
