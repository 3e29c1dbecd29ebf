// The supervisor's control socket where users have it: homes with long paths (Unix socket
// paths are limited to about 108 bytes), and something else answering where the
// supervisor should be (a squatted socket or Windows pipe name).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlSocketPath, maxSocketPathBytes, privateSocketDir } from '../../main/core/control-endpoint';
import { connectIfRunning } from '../../main/core/control-client';
import { layout } from '../../main/core/home';
import { killHome, startWorld, type World } from '../helpers/world';
import { output } from '../upgrade/lib';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

/** A home path of exactly `length` characters under the world's folder, with spaces in it. */
function homeOfLength(length: number): string {
  const base = join(world.tmp, 'long home with spaces ');
  return base + 'x'.repeat(length - base.length);
}

describe('where the control socket lives', () => {
  it('stays in run/ when it fits, moves to a private per-user folder when it does not, and never exceeds the limit', () => {
    const short = '/home/u/.anima';
    expect(controlSocketPath(short, `${short}/run`, {}, 'linux')).toBe('/home/u/.anima/run/control.sock');
    for (const platform of ['linux', 'darwin'] as const) {
      for (const len of [86, 95, 102, 150, 400]) {
        const home = '/h/' + 'a'.repeat(len - 3);
        const p = controlSocketPath(home, `${home}/run`, { XDG_RUNTIME_DIR: '/run/user/1000' }, platform);
        expect(Buffer.byteLength(p)).toBeLessThanOrEqual(maxSocketPathBytes(platform));
        if (Buffer.byteLength(`${home}/run/control.sock`) > maxSocketPathBytes(platform)) expect(p.startsWith(privateSocketDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, platform))).toBe(true);
      }
    }
    // Two homes whose paths differ only past the point a truncation would cut get two sockets.
    const a = controlSocketPath('/h/' + 'a'.repeat(200) + '1', '/r1', {}, 'linux');
    const b = controlSocketPath('/h/' + 'a'.repeat(200) + '2', '/r2', {}, 'linux');
    expect(a).not.toBe(b);
  });

  it('on Windows, the pipe name depends on the whole path and the user, not on how the path ends', () => {
    const pipe = (home: string, user: string) => controlSocketPath(home, `${home}\\run`, { USERNAME: user, USERDOMAIN: 'PC' }, 'win32');
    expect(pipe('C:\\Users\\alice\\.anima', 'alice')).toMatch(/^\\\\\.\\pipe\\anima-[0-9a-f]{24}$/);
    // Homes that end alike no longer share a pipe.
    expect(pipe('C:\\Users\\alice\\work\\projects\\x\\.anima', 'alice')).not.toBe(pipe('D:\\other\\work\\projects\\x\\.anima', 'alice'));
  });

  it('a home path of 150 characters with spaces starts, reports and stops', async () => {
    const h = await world.supervisedHome();
    const home = homeOfLength(150);
    const env = { ...h.env, ANIMA_HOME: home };
    try {
      const start = await world.cli(['start', '--no-browser', '--version', '1.0.0'], { env });
      expect(start.code, output(start)).toBe(0);
      const socket = layout(home).socket;
      expect(socket.startsWith(home)).toBe(false);
      expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(maxSocketPathBytes());
      // The fallback folder is the user's alone.
      expect(statSync(join(socket, '..')).mode & 0o077).toBe(0);
      const status = await world.cli(['status', '--json'], { env });
      expect(status.code, output(status)).toBe(0);
      const s = JSON.parse(status.stdout);
      expect(s.home).toBe(home);
      expect(s.services.web.state).toBe('running');
      expect(s.supervisor?.pid).toBeGreaterThan(0);
      const stop = await world.cli(['stop'], { env });
      expect(stop.code, output(stop)).toBe(0);
    } finally {
      killHome(home);
    }
  });
});

describe('who answers on the socket', () => {
  it('a process answering where the supervisor should be, without the home\'s key, is refused by name', async () => {
    const home = world.newHome();
    const paths = layout(home);
    mkdirSync(paths.run, { recursive: true });
    // The real supervisor's key exists; the impostor cannot read or guess it.
    writeFileSync(join(paths.run, 'control.key'), Buffer.alloc(32, 7), { mode: 0o600 });
    const impostor = createServer((socket) => {
      socket.on('data', (d) => {
        const req = JSON.parse(String(d).split('\n')[0]);
        socket.write(JSON.stringify({ id: req.id, ok: true, result: { protocol: 2, pid: 1, home, proof: 'f'.repeat(64) } }) + '\n');
      });
    });
    await new Promise<void>((r) => impostor.listen(paths.socket, () => r()));
    try {
      await expect(connectIfRunning(paths)).rejects.toMatchObject({ code: 'ESUPERVISOR_IDENTITY' });
      const r = await world.cli(['status'], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not this home's supervisor/);
    } finally {
      impostor.close();
      rmSync(paths.socket, { force: true });
    }
  });

  it('a supervisor exiting as we connect (our connection reset, the handshake unanswered) counts as none running', async () => {
    const home = world.newHome();
    const paths = layout(home);
    mkdirSync(paths.run, { recursive: true });
    // Listens, then is busy (as an exiting supervisor is, between its last answer and its exit) and goes without accepting.
    const exiting = spawn(process.execPath, ['-e', `
      const s = require('node:net').createServer(() => {}).listen(${JSON.stringify(paths.socket)}, () => {
        require('node:fs').writeSync(1, 'busy\\n');
        const t = Date.now();
        while (Date.now() - t < 1500);
        s.close();
        process.exit(0);
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((r) => exiting.stdout!.once('data', r));
      await expect(connectIfRunning(paths)).resolves.toBeNull();
    } finally {
      exiting.kill('SIGKILL');
    }
  });

  it('a supervisor that speaks another protocol version is refused with how to restart it', async () => {
    const home = world.newHome();
    const paths = layout(home);
    mkdirSync(paths.run, { recursive: true });
    const old = createServer((socket) => {
      socket.on('data', (d) => {
        const req = JSON.parse(String(d).split('\n')[0]);
        // A version-1 supervisor did not know "hello".
        socket.write(JSON.stringify({ id: req.id, ok: false, error: { code: 'EBADREQUEST', message: `Unknown method "${req.method}"` } }) + '\n');
      });
    });
    await new Promise<void>((r) => old.listen(paths.socket, () => r()));
    try {
      const r = await world.cli(['status'], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/speaks control protocol 1/);
      expect(r.stderr).toMatch(/Restart the supervisor/);
    } finally {
      old.close();
      rmSync(paths.socket, { force: true });
    }
  });
});
