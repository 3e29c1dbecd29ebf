// CLI bench: what an `animactl` command costs to start and answer, next to Node's own
// start-up (`node -e 0`, the floor for any CLI in Node) and, for the commands the front
// answers itself, next to the same command through the commands bundle alone (the
// single-bundle CLI as it was before the split: `node dist/cli-commands.cjs …`).
// pm2's `pm2 jlist` is the anchor issue 11 names; it is measured only when pm2 is in
// node_modules (it is not a dependency of this project).
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../test/helpers/world';
import { benchWorld, pidOf, timed, waitGone } from './proc';
import { median, type Table } from './table';

export const title = 'CLI: start-up and answer, front vs one bundle vs Node';

const COMMANDS_BUNDLE = join(REPO, 'dist', 'cli-commands.cjs');
const PM2 = join(REPO, 'node_modules', 'pm2', 'bin', 'pm2');

export async function run(): Promise<Table> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  const n = 4 * runs;
  const log = (s: string) => process.stderr.write(`[cli] ${s}\n`);

  return benchWorld(log, async (world) => {
    // A: running under its supervisor. B: the same version installed, nothing running.
    const a = await world.supervisedHome();
    const b = await world.supervisedHome();
    const envA = { ...world.env, ...a.env };
    const envB = { ...world.env, ...b.env };
    await timed('start A', process.execPath, [CLI, 'start', '--no-browser'], { env: envA });
    await timed('install B', process.execPath, [CLI, 'runtime', 'install'], { env: envB });
    const status = JSON.parse((await timed('status A', process.execPath, [CLI, 'status', '--json'], { env: envA })).stdout);
    if (!status.supervisor?.pid || status.services.web.state !== 'running') throw new Error(`bench: home A is not running under a supervisor: ${JSON.stringify(status)}`);

    const node = (label: string, args: string[], env: NodeJS.ProcessEnv) => ({ label, run: async () => (await timed(label, process.execPath, args, { env })).ms, samples: [] as number[] });
    const cases = [
      node('`node -e 0` (Node start-up, the floor)', ['-e', '0'], world.env),
      node('`animactl --help`', [CLI, '--help'], envA),
      node('`animactl --version` (home A: runtime running)', [CLI, '--version'], envA),
      node('`animactl status --json`, supervisor up: the front', [CLI, 'status', '--json'], envA),
      node('`animactl status --json`, supervisor up: one bundle', [COMMANDS_BUNDLE, 'status', '--json'], envA),
      node('`animactl status --json`, no supervisor (from disk)', [CLI, 'status', '--json'], envB),
      node('`animactl runtime status --json`', [CLI, 'runtime', 'status', '--json'], envB),
      node('`animactl upgrade --check --json` (local registry)', [CLI, 'upgrade', '--check', '--json'], envB),
    ];
    const pm2 = existsSync(PM2);
    if (pm2) {
      // A pm2 daemon of its own, in the sandboxed HOME, with nothing in its list: only the cost of asking.
      const pm2Env = { ...world.env, PM2_HOME: join(world.tmp, 'pm2') };
      await timed('pm2 ping', process.execPath, [PM2, 'ping'], { env: pm2Env });
      cases.push(node('`pm2 jlist` (pm2 daemon up, empty list)', [PM2, 'jlist'], pm2Env));
    }
    for (const c of cases) await c.run(); // warm-up: the OS file cache
    for (let i = 0; i < n; i++) for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + i) % cases.length];
      c.samples.push(await c.run());
    }
    log(cases.map((c) => `${c.label.split('`')[1]}: ${Math.round(median(c.samples))} ms`).join('; '));
    if (pm2) await timed('pm2 kill', process.execPath, [PM2, 'kill'], { env: { ...world.env, PM2_HOME: join(world.tmp, 'pm2') } });

    const pids = [pidOf(a.home, 'supervisor'), pidOf(a.home, 'web'), pidOf(a.home, 'agent')];
    await timed('stop A', process.execPath, [CLI, 'stop'], { env: envA });
    await waitGone(pids);

    const floor = median(cases[0].samples);
    const oneBundle = median(cases[4].samples);
    return {
      title: 'CLI: `animactl` start-up and answer',
      rows: cases.map((c, i) => ({
        label: c.label,
        samples: c.samples,
        extra: i === 0 ? {} : { 'over the floor': `+${Math.round(median(c.samples) - floor)} ms`, ...(i === 3 ? { 'vs one bundle': `${(median(c.samples) / oneBundle).toFixed(2)}×` } : {}) },
      })),
      notes: [
        `Wall time of the whole process, spawned from the bench (node ${process.version}), ${n} runs per case (4 × BENCH_RUNS), interleaved in a rotated order after one untimed warm-up each.`,
        'The front is dist/cli.cjs (main/cli/entry.ts): help, --version, and status when a supervisor answers, with no config.json read and nothing else loaded; everything else it hands to dist/cli-commands.cjs (every command, with zod and semver bundled). "One bundle" runs dist/cli-commands.cjs directly: the same answer the way every command paid for it before the split.',
        `Home A runs the reference runtime under its supervisor (the CLI asks over run/control.sock); home B has the same version installed and nothing running (status from config.json and the pid files; runtime status also reads npm's config; upgrade --check asks the local verdaccio with pacote).`,
        pm2 ? 'pm2 from node_modules, its own PM2_HOME, daemon started before the runs.' : '`pm2 jlist` not measured: pm2 is not in node_modules (not a dependency of this project; `npm i -D pm2@6` would add it).',
        `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${cpus().length} CPUs); other work on the machine shows up as spread between min and max.`,
      ],
    };
  });
}
