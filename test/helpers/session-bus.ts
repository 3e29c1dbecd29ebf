// A private D-Bus session bus (dbus-daemon), for what the app asks of the desktop's bus.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const canStartSessionBus = (): boolean => existsSync('/usr/bin/dbus-daemon');

/** Starts one with the usual session policy and nothing on it; `address` goes in DBUS_SESSION_BUS_ADDRESS. */
export async function startSessionBus(): Promise<{ address: string; dir: string; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'anima-bus-'));
  const socket = join(dir, 'bus');
  writeFileSync(
    join(dir, 'session.conf'),
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
  );
  const bus = spawn('dbus-daemon', ['--config-file', join(dir, 'session.conf'), '--nofork'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) throw new Error(`dbus-daemon did not create ${socket}`);
  return {
    address: `unix:path=${socket}`,
    dir,
    stop() {
      bus.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
