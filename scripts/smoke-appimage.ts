// Smoke test of the packaged Linux AppImage, for CI (package.yml), where the real Electron
// binary and the AppImage runtime exist. Usage, with a display (xvfb-run on CI):
//   npx tsx scripts/smoke-appimage.ts out/Anima-Desktop-0.1.0.AppImage
// Against the test suite's local registry (fixture runtimes), on a fresh home, it checks:
//   1. the app starts from the AppImage and keeps running;
//   2. the app's code, run as Node inside an AppImage mount (the packaged `animactl start`,
//      which calls ensureSupervisor as the tray's Start does), starts the supervisor through
//      $APPIMAGE, in a mount of its own;
//   3. the app quits, its mount goes, and the supervisor and its services keep running;
//   4. `animactl status`, from the packaged app run as Node, sees that supervisor;
//   5. the packaged binary carries the fuses electron-builder.yml asks for.
// The app starts no supervisor by itself at launch (only on a user's action, out of a
// script's reach in a packaged app: no test hooks, no inspector), hence step 2 through the
// packaged CLI. Exits non-zero with the reason on the first failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { startWorld, type World } from '../test/helpers/world';

if (!process.argv[2] || !existsSync(process.argv[2])) {
  console.error('usage: tsx scripts/smoke-appimage.ts PATH/TO/App.AppImage');
  process.exit(2);
}
// The runtime sets $APPIMAGE to the file's real path.
const appImage = realpathSync(resolve(process.argv[2]));
chmodSync(appImage, 0o755);

const step = (msg: string) => console.log(`[smoke] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
class SmokeFailure extends Error {}
function check(ok: unknown, msg: string): asserts ok {
  if (!ok) throw new SmokeFailure(msg);
}
async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new SmokeFailure(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(raw.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/**
 * The packaged CLI, run as Node through the AppImage (so inside a mount, with APPIMAGE and
 * APPDIR set, as the app's own code runs). `-- --no-sandbox` for the reason given in
 * supervisorCommand; the bootstrap puts the CLI's path where Node would have put a script's.
 * Asynchronous: the registry it talks to runs in this process.
 */
function packagedCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const bootstrap = "const p=require('node:path').join(process.env.APPDIR,'resources','app.asar','bin','animactl.cjs');process.argv[1]=p;require(p)";
  const child = spawn(appImage, ['-e', bootstrap, '--', '--no-sandbox', ...args], { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((done) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      step(`animactl ${args.join(' ')} → exit ${status}${stderr.trim() ? `\n${stderr.trim()}` : ''}`);
      done({ status, stdout, stderr });
    }),
  );
}

async function main(): Promise<number> {
  let world: World | null = null;
  let app: ChildProcess | null = null;
  try {
    world = await startWorld();
    const supervised = await world.supervisedHome();
    const home = supervised.home;
    const env: NodeJS.ProcessEnv = { ...world.env, ...supervised.env, DISPLAY: process.env.DISPLAY, XAUTHORITY: process.env.XAUTHORITY };
    check(env.DISPLAY, 'no DISPLAY: run under xvfb-run');

    step(`1. the app starts: ${appImage} --home ${home}`);
    let appOutput = '';
    app = spawn(appImage, ['--home', home], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (d) => (appOutput += d));
    app.stderr!.on('data', (d) => (appOutput += d));
    let appExit: number | null | undefined;
    app.once('exit', (code, signal) => (appExit = code ?? (signal ? 128 : 1)));
    const appPid = app.pid!;
    const appDir = await until('the app to run from its AppImage mount', () => existsSync(`/proc/${appPid}/environ`) && environOf(appPid).APPDIR);
    await sleep(8000);
    check(appExit === undefined, `the app exited with ${appExit} within 8 s:\n${appOutput}`);
    step(`   running, pid ${appPid}, mounted at ${appDir}`);

    step('2. the packaged code starts the supervisor through $APPIMAGE');
    const start = await packagedCli(['start', '--no-browser'], env);
    check(start.status === 0, `animactl start failed:\n${start.stdout}\n${start.stderr}`);
    const supPid = await until('supervisor.pid', () => existsSync(join(home, 'run', 'supervisor.pid')) && (JSON.parse(readFileSync(join(home, 'run', 'supervisor.pid'), 'utf8')) as { pid: number }).pid);
    const supEnv = environOf(supPid);
    check(supEnv.APPIMAGE === appImage, `the supervisor was not started through the AppImage (APPIMAGE=${supEnv.APPIMAGE})`);
    check(supEnv.APPDIR && supEnv.APPDIR !== appDir, `the supervisor runs in ${supEnv.APPDIR}, not a mount of its own`);
    step(`   supervisor pid ${supPid}, its own mount ${supEnv.APPDIR}`);

    step('3. the app quits; the supervisor keeps running');
    app.kill('SIGTERM');
    await until('the app to quit', () => appExit !== undefined, 20_000);
    await sleep(3000);
    step(`   the app exited (${appExit}); its mount ${existsSync(appDir) ? 'is still there' : 'is gone'}`);
    check(alive(supPid), 'the supervisor died with the app');
    check(existsSync(join(supEnv.APPDIR, 'resources')), "the supervisor's mount is gone");

    step('4. animactl status (the packaged app run as Node) sees it');
    const status = await packagedCli(['status', '--json'], env);
    check(status.status === 0, `animactl status failed:\n${status.stdout}\n${status.stderr}`);
    const s = JSON.parse(status.stdout) as { supervisor: { pid: number } | null; services: { web: { state: string }; agent: { state: string } } };
    check(s.supervisor?.pid === supPid, `status reports supervisor ${JSON.stringify(s.supervisor)}, expected pid ${supPid}`);
    check(s.services.web.state === 'running' && s.services.agent.state === 'running', `services: web ${s.services.web.state}, agent ${s.services.agent.state}`);
    step(`   supervisor ${supPid}, web and agent running`);

    step('5. the packaged binary carries the fuses');
    const extractDir = mkdtempSync(join(tmpdir(), 'anima-smoke-extract-'));
    const ex = spawnSync(appImage, ['--appimage-extract'], { cwd: extractDir, stdio: 'ignore' });
    check(ex.status === 0, `--appimage-extract failed with ${ex.status}`);
    const wire = (await getCurrentFuseWire(join(extractDir, 'squashfs-root', 'anima-desktop'))) as unknown as Record<number, number>;
    const fuse = (o: FuseV1Options) => String.fromCharCode(wire[o]);
    const want: [FuseV1Options, string][] = [
      [FuseV1Options.RunAsNode, '1'],
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable, '0'],
      [FuseV1Options.EnableNodeCliInspectArguments, '0'],
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, '1'],
      [FuseV1Options.OnlyLoadAppFromAsar, '1'],
      [FuseV1Options.EnableCookieEncryption, '1'],
    ];
    for (const [o, v] of want) check(fuse(o) === v, `fuse ${FuseV1Options[o]} is ${fuse(o)}, expected ${v}`);
    rmSync(extractDir, { recursive: true, force: true });

    const stop = await packagedCli(['stop', '--force'], env);
    check(stop.status === 0, `animactl stop failed:\n${stop.stdout}\n${stop.stderr}`);
    await until('the supervisor to exit after stop', () => !alive(supPid), 30_000);
    step('passed');
    return 0;
  } catch (e) {
    console.error(`[smoke] FAILED: ${e instanceof SmokeFailure ? e.message : (e as Error).stack}`);
    return 1;
  } finally {
    if (app && app.exitCode === null) app.kill('SIGKILL');
    await world?.close();
  }
}

void main().then((code) => process.exit(code));
