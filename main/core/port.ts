import { createServer } from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { AnimaError, errorCode } from './errors';

/** Who listens on a TCP port, where the platform lets us find out. */
export function portOwner(port: number): { pid: number; command: string } | null {
  if (process.platform === 'linux') return linuxPortOwner(port);
  if (process.platform === 'win32') return null;
  const r = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { encoding: 'utf8' });
  const pid = /^p(\d+)/m.exec(r.stdout ?? '')?.[1];
  const command = /^c(.+)$/m.exec(r.stdout ?? '')?.[1];
  return pid ? { pid: Number(pid), command: command ?? '?' } : null;
}

function linuxPortOwner(port: number): { pid: number; command: string } | null {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; state 0A is LISTEN.
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) {
          let command = '?';
          try {
            command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
          } catch {}
          return { pid: Number(pid), command };
        }
      } catch {}
    }
  }
  return null;
}

/** Whether `pid` is `ancestor` or one of its descendants (Linux; elsewhere only the pid itself counts). */
export function isSameOrDescendant(pid: number, ancestor: number): boolean {
  let current = pid;
  for (let depth = 0; depth < 16 && current > 1; depth++) {
    if (current === ancestor) return true;
    if (process.platform !== 'linux') return false;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/** Fails with a clear error naming the port (and its owner, where it can be found) if something already listens there. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (e) => {
      if (errorCode(e) !== 'EADDRINUSE' && errorCode(e) !== 'EACCES') return reject(e);
      const owner = portOwner(port);
      reject(
        new AnimaError('EPORT_IN_USE', `Port ${port} on ${host} is already in use${owner ? ` by pid ${owner.pid} (${owner.command})` : ''}; the web service can't listen there`, {
          hint: `Stop that program, or choose another port: animactl config set web.port <port>`,
          details: { port, owner },
        }),
      );
    });
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}
