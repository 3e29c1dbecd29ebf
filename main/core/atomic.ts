import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces a file so that a reader (or a crash) sees either the old bytes or the
 * new ones, never a torn file: write a sibling, fsync it, rename over, fsync the dir.
 * Private by default (0600, folders it creates 0700): what we write in a home (config,
 * records, pid files) is nobody else's business on a shared machine.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, durable = true): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (durable) fsyncDir(dirname(path));
}

export function writeJsonAtomic(path: string, value: unknown, mode?: number): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode);
}

/**
 * Whole or not at all, like writeJsonAtomic, but not made durable: for records that
 * only mean something while the process they name lives (a machine that crashes takes
 * the process with it, and the record is then stale either way). Two fsyncs less, which
 * on a slow disk is tens of milliseconds.
 */
export function writeJsonWhole(path: string, value: unknown, mode?: number): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode, false);
}

/** Makes a rename durable. Not every platform can open a directory (Windows): best effort there. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Directories can't be fsynced on Windows; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
