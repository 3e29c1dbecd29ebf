// From an AppImage, the app's files live in a temporary mount that goes when the app quits;
// the supervisor must outlive it. A stand-in AppImage (named as such: a shell script that
// "mounts" by pointing APPDIR at a fresh copy of the app, then runs Node) checks that the
// supervisor is started through the AppImage and keeps running after the first mount is gone.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../main/core/control-client';
import { supervisorCommand } from '../../main/core/supervisor-process';
import { layout } from '../../main/core/home';
import { killHome, REPO } from '../helpers/world';
import { waitFor } from '../helpers/reference-queue';

const tmp = mkdtempSync(join(tmpdir(), 'anima-appimage-'));
const home = join(tmp, 'home');
afterAll(() => {
  killHome(home);
  rmSync(tmp, { recursive: true, force: true });
});

function mount(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'resources', 'app', 'dist'), { recursive: true });
  cpSync(join(REPO, 'dist', 'supervisor.cjs'), join(dir, 'resources', 'app', 'dist', 'supervisor.cjs'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'resources', 'app', 'node_modules'));
  return dir;
}

describe('supervisorCommand', () => {
  it('outside an AppImage: the executable with the entry and --home', () => {
    expect(supervisorCommand({ entry: '/app/dist/supervisor.cjs', home: '/h', execPath: '/usr/bin/node', electron: false })).toEqual({
      command: '/usr/bin/node',
      args: ['/app/dist/supervisor.cjs', '--home', '/h'],
      env: { ANIMA_HOME: '/h' },
    });
  });

  it('from an AppImage: through the AppImage file, finding the entry in its own new mount; the old mount may vanish', async () => {
    const first = mount('mount-first');
    const second = mount('mount-second');
    const appImage = join(tmp, 'Anima-Desktop.AppImage');
    // Stand-in for the AppImage runtime: mount (here: the prepared copy), set APPDIR, run the app's binary.
    writeFileSync(appImage, `#!/bin/sh\nAPPDIR=${second} exec ${process.execPath} "$@"\n`);
    chmodSync(appImage, 0o755);
    const entry = join(first, 'resources', 'app', 'dist', 'supervisor.cjs');
    const cmd = supervisorCommand({ entry, home, execPath: join(first, 'anima-desktop'), electron: true, appImage, appDir: first });
    expect(cmd.command).toBe(appImage);
    expect(cmd.args.join(' ')).not.toContain(first);

    const child = spawn(cmd.command, cmd.args, { env: { ...process.env, ...cmd.env, ELECTRON_RUN_AS_NODE: '' }, detached: true, stdio: 'ignore' });
    child.unref();
    // The app quits: its mount goes away.
    rmSync(first, { recursive: true, force: true });
    const client = await waitFor(() => ControlClient.connect(layout(home).socket, 500).catch(() => null), { what: 'the supervisor to answer', timeoutMs: 15_000 });
    const pong = (await client.request('ping', {})) as { pid: number; home: string };
    expect(pong.home).toBe(home);
    await client.request('shutdown', {});
    client.close();
  });
});
