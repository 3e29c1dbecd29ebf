// `npm run bench`: runs each bench module in turn and prints its table.
// `npm run bench -- install` runs only the named benches. BENCH_RUNS=N sets the
// number of timed runs per case (default 5).
//
// A bench is a module in bench/ that exports `title` and `run(): Promise<Table>`
// (see table.ts; or `Table[]` when it measures things in different units), builds
// whatever it measures from scratch, cleans up after itself, and writes progress to
// stderr only. To add one, add a line to BENCHES.
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { formatTable, type Table } from './table';

interface BenchModule {
  title: string;
  run(): Promise<Table | Table[]>;
}

const BENCHES: Record<string, () => Promise<BenchModule>> = {
  install: () => import('./install'),
  supervisor: () => import('./supervisor'),
  upgrade: () => import('./upgrade'),
  renderer: () => import('./renderer'),
  cli: () => import('./cli'),
  store: () => import('./store'),
};

function machine(): string {
  const c = cpus();
  let npmVersion = '?';
  try {
    npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } }).trim();
  } catch {
    // reported as '?'
  }
  return [
    `node ${process.version}, npm ${npmVersion}, ${platform()} ${release()} ${arch()}`,
    `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `runs per case: ${Math.max(1, Number(process.env.BENCH_RUNS) || 5)} (BENCH_RUNS)`,
  ].map((l) => `- ${l}`).join('\n');
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in BENCHES));
  if (unknown.length) {
    process.stderr.write(`bench: unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  process.stdout.write(`## Anima Desktop benchmarks (${new Date().toISOString()})\n\n${machine()}\n`);
  let failed = 0;
  for (const name of names) {
    const started = Date.now();
    try {
      const bench = await BENCHES[name]();
      const result = await bench.run();
      for (const table of Array.isArray(result) ? result : [result]) process.stdout.write(`\n${formatTable(table)}\n`);
      process.stderr.write(`[${name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${(e as Error)?.stack ?? e}\n`);
    }
  }
  return failed ? 1 : 0;
}

// Exit explicitly: registries and keep-alive agents a bench used may still hold handles.
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
