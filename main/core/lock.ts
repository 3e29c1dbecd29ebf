import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AnimaError, errorCode } from './errors';
import { currentProcessRef, isSameProcess, type ProcessRef } from './process-identity';

export interface LockHolder extends ProcessRef {
  operation: string;
  startedAt: string;
}

export interface OperationLock {
  holder: LockHolder;
  release(): void;
}

function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

export function describeHolder(h: LockHolder): string {
  return `operation "${h.operation}" in progress since ${h.startedAt} by pid ${h.pid}`;
}

/**
 * One operation at a time per home, across processes (two CLIs, the tray and a CLI,
 * the supervisor). The lock file appears whole (written aside, then hard-linked into
 * place, which fails if it exists) and names its holder by pid and start time, so a
 * holder that died, even by kill -9 or a reboot, is recognised and its lock broken.
 */
export function acquireLock(file: string, operation: string): OperationLock {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const holder: LockHolder = { operation, ...currentProcessRef(), startedAt: new Date().toISOString() };
  const text = JSON.stringify(holder);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, file);
        return { holder, release: () => releaseIfOurs(file, text) };
      } catch (e) {
        if (errorCode(e) !== 'EEXIST') throw e;
      }
      const current = readHolder(file);
      if (current && isSameProcess(current)) {
        throw new AnimaError('EBUSY', `Another ${describeHolder(current)} on this home`, {
          hint: 'Wait for it to finish, or check `animactl status`.',
          details: { operation: current.operation, startedAt: current.startedAt, pid: current.pid },
        });
      }
      breakStaleLock(file);
    }
    throw new AnimaError('EBUSY', `Could not take the lock ${file}: it keeps changing hands`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Moves a dead holder's lock aside first, so two processes breaking it at once can't both delete a fresh one. */
function breakStaleLock(file: string): void {
  const aside = join(dirname(file), `.stale-lock-${randomBytes(4).toString('hex')}`);
  try {
    renameSync(file, aside);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return;
    throw e;
  }
  const moved = readHolder(aside);
  if (moved && isSameProcess(moved)) {
    // We raced with a process that had just taken the lock: give it back.
    try {
      linkSync(aside, file);
    } catch {
      // A third process holds it now; either way the live holder keeps a lock.
    }
  }
  rmSync(aside, { force: true });
}

function releaseIfOurs(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}

export function readLockHolder(file: string): LockHolder | null {
  const h = readHolder(file);
  return h && isSameProcess(h) ? h : null;
}
