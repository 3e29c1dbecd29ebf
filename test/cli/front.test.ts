// The CLI's front (dist/cli.cjs, main/cli/entry.ts): `--version`, and what each fast
// path loads (issue 11 item 2, issue 12 item 5). Measured by the modules a process
// actually loaded (require.cache at exit), never by time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, startWorld, type World } from '../helpers/world';

const VERSION = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;

let world: World;
let home: string;
let env: NodeJS.ProcessEnv;
let record: string;
beforeAll(async () => {
  world = await startWorld();
  ({ home, env } = await world.supervisedHome());
  await world.cliOk(['start', '--no-browser'], { home, env });
  record = join(world.tmp, 'record-modules.cjs');
  writeFileSync(record, "process.on('exit', () => require('fs').writeFileSync(process.env.RECORD_TO, JSON.stringify(Object.keys(require.cache))));\n");
});
afterAll(async () => {
  await world?.cli(['stop'], { home, env });
  await world?.close();
});

let runs = 0;
/** The CLI run as usual, and every file it loaded. */
async function loaded(args: string[], h = home): Promise<{ code: number | null; stdout: string; files: string[] }> {
  const to = join(world.tmp, `loaded-${++runs}.json`);
  const r = await world.cli(args, { home: h, env: { ...env, ANIMA_HOME: h, NODE_OPTIONS: `--require ${record}`, RECORD_TO: to } });
  return { code: r.code, stdout: r.stdout, files: JSON.parse(readFileSync(to, 'utf8')).filter((f: string) => f !== record) };
}

describe('animactl --version', () => {
  it("prints the manager's version, and the home's runtime version when it has one, starting nothing", async () => {
    const running = await loaded(['--version']);
    expect(running.code).toBe(0);
    expect(running.stdout).toBe(`animactl ${VERSION}\nruntime 1.1.0 (running) in ${home}\n`);
    expect(running.files).toEqual([CLI]);
    const short = await world.cli(['-v', '--json'], { home, env });
    expect(JSON.parse(short.stdout)).toEqual({ manager: VERSION, home, runtime: { running: '1.1.0', current: '1.1.0', pinned: '1.1.0', source: null } });

    const fresh = world.newHome();
    const none = await world.cli(['--version'], { env: { ...env, ANIMA_HOME: fresh } });
    expect(none.stdout).toBe(`animactl ${VERSION}\n`);
    // Asked about the version, nothing was created or started.
    expect((await world.cli(['status', '--json'], { env: { ...env, ANIMA_HOME: fresh } })).stdout).toMatch(/"supervisor": null/);

    const installed = world.newHome();
    await world.cliOk(['runtime', 'install', '--version', '1.0.0'], { env: { ...env, ANIMA_HOME: installed } });
    expect((await world.cli(['--version', '--home', installed], { env })).stdout).toBe(`animactl ${VERSION}\nruntime 1.0.0 (installed, not running) in ${installed}\n`);
    expect((await world.cli(['--version', 'nonsense'], { env })).code).toBe(2);
  });
});

describe('what each command loads', () => {
  it('status with a supervisor up, --help and a command\'s --help load only dist/cli.cjs: no commands bundle, no zod, no dependency', async () => {
    for (const args of [['status', '--json'], ['status'], ['--help'], ['upgrade', '--help']]) {
      const r = await loaded(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.files, args.join(' ')).toEqual([CLI]);
    }
    // And the bundle itself holds none of them (esbuild names every module it bundles in a comment).
    const front = readFileSync(CLI, 'utf8');
    for (const heavy of ['node_modules/zod/', 'node_modules/semver/', 'main/core/config.ts', 'main/core/installer.ts', 'main/shared/settings.ts']) {
      expect(front, heavy).not.toContain(`// ${heavy}`);
    }
  });

  it('the fast status says what the commands would say', async () => {
    const fast = JSON.parse((await world.cliOk(['status', '--json'], { home, env })).stdout);
    const full = await new Promise<string>((resolve, reject) => {
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      const child = spawn(process.execPath, [join(REPO, 'dist', 'cli-commands.cjs'), 'status', '--json'], { env: { ...world.env, ...env } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    expect(fast).toEqual(JSON.parse(full));
    expect(fast.supervisor.pid).toBeGreaterThan(0);
  });

  it('runtime status and upgrade --check load the commands, but neither Arborist nor (for runtime status) pacote', async () => {
    const runtime = await loaded(['runtime', 'status', '--json']);
    expect(runtime.code).toBe(0);
    expect(runtime.files).toContain(join(REPO, 'dist', 'cli-commands.cjs'));
    expect(runtime.files.filter((f) => /node_modules\/(pacote|@npmcli\/arborist)\//.test(f))).toEqual([]);
    const check = await loaded(['upgrade', '--check', '--json']);
    expect(check.code).toBe(0);
    expect(check.files.filter((f) => /node_modules\/@npmcli\/arborist\//.test(f))).toEqual([]);
  });

  it('status with no supervisor is answered by the commands, from disk', async () => {
    const r = await loaded(['status', '--json'], world.newHome());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).supervisor).toBeNull();
    expect(r.files).toContain(join(REPO, 'dist', 'cli-commands.cjs'));
  });
});
