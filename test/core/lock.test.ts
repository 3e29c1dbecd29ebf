// The home's operation lock, with real processes: a holder in another process, holders
// that died (kill -9), pids that now belong to someone else, and processes racing for it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { acquireLock, readLockHolder, type LockHolder } from '../../main/core/lock';
import { isAlive, processStartTime } from '../../main/core/process-identity';
import { AnimaError } from '../../main/core/errors';
import { REPO } from '../helpers/world';

let tmp: string;
let script: string;
let n = 0;
const children: ChildProcess[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'anima-lock-'));
  // A separate process that takes the lock with the real code, reports, and holds it until told.
  script = join(tmp, 'holder.mts');
  writeFileSync(
    script,
    `import { acquireLock } from ${JSON.stringify(pathToFileURL(join(REPO, 'main', 'core', 'lock.ts')).href)};
const [file, op] = process.argv.slice(2);
let lock;
try {
  lock = acquireLock(file, op);
} catch (e) {
  process.stdout.write(JSON.stringify({ won: false, code: e.code, message: e.message }) + '\\n');
  process.exit(3);
}
process.stdout.write(JSON.stringify({ won: true, holder: lock.holder }) + '\\n');
process.stdin.on('data', () => { lock.release(); process.exit(0); });
`,
  );
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function lockFile(): string {
  return join(tmp, `home-${++n}`, 'run', 'operation.lock');
}

interface HolderReport {
  won: boolean;
  holder?: LockHolder;
  code?: string;
  message?: string;
}

/** Starts a process that tries to take the lock; resolves with its first report (it keeps holding if it won). */
function startHolder(file: string, operation: string): { child: ChildProcess; report: Promise<HolderReport>; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, file, operation], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const report = new Promise<HolderReport>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as HolderReport);
    });
    child.on('exit', (code) => reject(new Error(`holder exited (${code}) before reporting`)));
  });
  return { child, report, exited };
}

/** A live process unrelated to any lock. */
function startBystander(): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited };
}

async function killAndWait(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  child.kill('SIGKILL');
  await exited;
}

function busyError(fn: () => unknown): AnimaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AnimaError);
    return e as AnimaError;
  }
  throw new Error('expected the lock to be busy');
}

function writeLock(file: string, holder: Partial<LockHolder>): string {
  const text = JSON.stringify({ operation: 'upgrade', startedAt: '2026-01-02T03:04:05.000Z', ...holder });
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return text;
}

describe('operation lock', () => {
  it('a live holder in another process keeps it: EBUSY names the operation, its start and its pid', async () => {
    const file = lockFile();
    const h = startHolder(file, 'upgrade');
    const r = await h.report;
    expect(r.won).toBe(true);
    expect(r.holder!.pid).toBe(h.child.pid);
    const before = readFileSync(file, 'utf8');

    const err = busyError(() => acquireLock(file, 'install'));
    expect(err.code).toBe('EBUSY');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/operation "upgrade" in progress since .* by pid \d+/);
    expect(err.message).toContain(`since ${r.holder!.startedAt} by pid ${h.child.pid}`);
    expect(err.details).toMatchObject({ operation: 'upgrade', pid: h.child.pid });
    // Failing to get the lock changes nothing, and leaves no temporary files behind.
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(join(file, '..'))).toEqual(['operation.lock']);
    expect(readLockHolder(file)).toMatchObject({ operation: 'upgrade', pid: h.child.pid });

    // The holder dies by kill -9: nothing released the lock, yet it is recognised as stale.
    await killAndWait(h.child, h.exited);
    expect(existsSync(file)).toBe(true);
    expect(readLockHolder(file)).toBeNull();
    const mine = acquireLock(file, 'install');
    expect(mine.holder.pid).toBe(process.pid);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ operation: 'install', pid: process.pid });
    expect(readLockHolder(file)).toMatchObject({ operation: 'install', pid: process.pid });
    mine.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a holder that released lets the next one in; a second acquire in the same process is refused too', () => {
    const file = lockFile();
    const a = acquireLock(file, 'install');
    expect(busyError(() => acquireLock(file, 'upgrade')).message).toContain(`operation "install" in progress since ${a.holder.startedAt} by pid ${process.pid}`);
    a.release();
    a.release(); // twice is harmless
    const b = acquireLock(file, 'upgrade');
    expect(readLockHolder(file)).toMatchObject({ operation: 'upgrade' });
    b.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a lock naming a dead pid is stale and taken over', async () => {
    const file = lockFile();
    const dead = startBystander();
    const pid = dead.child.pid!;
    const startTime = processStartTime(pid);
    expect(startTime).not.toBeNull();
    await killAndWait(dead.child, dead.exited);
    expect(isAlive(pid)).toBe(false);
    writeLock(file, { pid, startTime });
    expect(readLockHolder(file)).toBeNull();
    const lock = acquireLock(file, 'install');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ operation: 'install', pid: process.pid });
    lock.release();
  });

  it('a reused pid (alive, but a different start time) is stale: taken over, and that process is left alone', async () => {
    const file = lockFile();
    const other = startBystander();
    const pid = other.child.pid!;
    const real = processStartTime(pid);
    expect(real).not.toBeNull();
    writeLock(file, { pid, startTime: `${real}-not-this-one` });
    expect(readLockHolder(file)).toBeNull();
    const lock = acquireLock(file, 'install');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ operation: 'install', pid: process.pid });
    lock.release();
    // Never signalled: still running, with the same identity.
    expect(other.child.exitCode).toBeNull();
    expect(other.child.signalCode).toBeNull();
    expect(processStartTime(pid)).toBe(real);
    await killAndWait(other.child, other.exited);
  });

  it('a lock file that is not a holder record (garbage, empty) is stale', () => {
    for (const text of ['', '{not json', '[]']) {
      const file = lockFile();
      writeLock(file, {});
      writeFileSync(file, text);
      expect(readLockHolder(file)).toBeNull();
      const lock = acquireLock(file, 'install');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
      lock.release();
    }
  });

  it('release removes only our own lock, never one another process took since', async () => {
    const file = lockFile();
    const ours = acquireLock(file, 'install');
    // Our lock was broken and another (live) process holds it now.
    const other = startBystander();
    const theirs = writeLock(file, { operation: 'upgrade', pid: other.child.pid!, startTime: processStartTime(other.child.pid!) });
    ours.release();
    expect(readFileSync(file, 'utf8')).toBe(theirs);
    expect(readLockHolder(file)).toMatchObject({ operation: 'upgrade', pid: other.child.pid });
    expect(busyError(() => acquireLock(file, 'install')).message).toContain(`by pid ${other.child.pid}`);
    await killAndWait(other.child, other.exited);
  });

  it('processes racing for a free lock, or for the same stale lock: exactly one wins, the others name it', async () => {
    for (const stale of [false, true]) {
      const file = lockFile();
      if (stale) {
        const dead = startBystander();
        const pid = dead.child.pid!;
        const startTime = processStartTime(pid);
        await killAndWait(dead.child, dead.exited);
        writeLock(file, { pid, startTime });
      }
      const racers = Array.from({ length: 3 }, () => startHolder(file, 'install'));
      const reports = await Promise.all(racers.map((r) => r.report));
      const winners = reports.filter((r) => r.won);
      expect(winners, JSON.stringify(reports)).toHaveLength(1);
      const winner = winners[0].holder!;
      for (const r of reports.filter((x) => !x.won)) {
        expect(r.code).toBe('EBUSY');
        expect(r.message).toContain(`by pid ${winner.pid}`);
      }
      expect(readLockHolder(file)).toMatchObject({ pid: winner.pid });
      // The winner releases: the file goes, and nothing is left beside it.
      const w = racers.find((r) => r.child.pid === winner.pid)!;
      w.child.stdin!.write('release\n');
      await Promise.all(racers.map((r) => r.exited));
      expect(readdirSync(join(file, '..'))).toEqual([]);
    }
  });
});
