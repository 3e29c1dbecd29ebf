import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { AnimaError, errorCode } from './errors';

/**
 * Where a home's supervisor listens, and how a client knows it is talking to that
 * supervisor and not to a process that took its place.
 *
 * Unix socket paths are limited (sun_path: 108 bytes on Linux, 104 on macOS and the BSDs,
 * including the final NUL), and Node silently truncates a longer one. A home whose
 * run/control.sock would not fit gets a short path in a per-user private folder
 * ($XDG_RUNTIME_DIR, or <tmp>/anima-<uid>, 0700), named by a hash of the home.
 *
 * On Windows the socket is a named pipe: machine-wide names that any user can create
 * first. The name carries a hash of the full home path and of the user, so it is neither
 * guessable nor shared by two users whose homes end alike; and since a pipe can still be
 * squatted, the supervisor proves itself with the home's secret (run/control.key, readable
 * only by its owner) in the handshake before a client trusts any answer.
 */

export const SOCKET_NAME = 'control.sock';

/** The largest socket path the platform takes, in bytes, without the final NUL. */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** The per-user private folder for sockets of homes with long paths. */
export function privateSocketDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'linux' && env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/')) return join(env.XDG_RUNTIME_DIR, 'anima');
  const uid = typeof process.getuid === 'function' ? process.getuid() : userInfo().username;
  // /tmp rather than os.tmpdir() on macOS: its $TMPDIR is already about 50 bytes long.
  return join(platform === 'darwin' ? '/tmp' : tmpdir(), `anima-${uid}`);
}

export function controlSocketPath(home: string, runDir: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    let user = env.USERNAME ?? '';
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry: the environment's name will do.
    }
    return `\\\\.\\pipe\\anima-${shortHash(`${env.USERDOMAIN ?? ''}\\${user}\0${home.toLowerCase()}`)}`;
  }
  const inHome = join(runDir, SOCKET_NAME);
  if (Buffer.byteLength(inHome) <= maxSocketPathBytes(platform)) return inHome;
  return join(privateSocketDir(env, platform), `${shortHash(home)}.sock`);
}

/**
 * Makes sure the folder of a fallback socket is ours and private before we listen in it:
 * another local user could have created it first to catch our clients.
 */
export function ensurePrivateSocketDir(socketPath: string, runDir: string): void {
  const dir = socketPath.slice(0, socketPath.lastIndexOf('/'));
  if (!dir || dir === runDir || process.platform === 'win32') return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid) {
    throw new AnimaError('ESOCKETDIR', `${dir} (the folder for this home's control socket, used because the home's path is too long for a socket) belongs to another user or is not a folder`, {
      hint: `Remove ${dir}, or set XDG_RUNTIME_DIR to a private folder of yours.`,
    });
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

// ---------------------------------------------------------------- the supervisor's proof

export function controlKeyPath(runDir: string): string {
  return join(runDir, 'control.key');
}

/** The home's secret, created by the supervisor (0600 in run/); only its owner can read it. */
export function ensureControlKey(runDir: string): Buffer {
  const file = controlKeyPath(runDir);
  try {
    const key = readFileSync(file);
    if (key.length >= 32) return key;
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') throw e;
  }
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

export function readControlKey(runDir: string): Buffer | null {
  try {
    return readFileSync(controlKeyPath(runDir));
  } catch {
    return null;
  }
}

export function newChallenge(): string {
  return randomBytes(16).toString('hex');
}

/** The supervisor's answer to a client's challenge: only a holder of the home's key can make it. */
export function proveKey(key: Buffer, challenge: string): string {
  return createHmac('sha256', key).update(`anima-control:${challenge}`).digest('hex');
}

export function checkProof(key: Buffer, challenge: string, proof: unknown): boolean {
  if (typeof proof !== 'string' || proof.length !== 64) return false;
  return timingSafeEqual(Buffer.from(proveKey(key, challenge), 'hex'), Buffer.from(proof, 'hex'));
}
