// The desktop app's costs that can be measured without the Electron binary: the status
// window's first paint in real Chromium (the renderer bridged to a real supervisor, as in
// test/renderer), its bundle sizes, and the idle CPU of the app's main-process logic
// (SupervisorLink: pushed events, no polling) next to an idle Node and the supervisor.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startWorld } from '../test/helpers/world';
import { launchChromium, openBridge } from '../test/renderer/bridge';
import { cpuTicks, delay, pidOf, rssKiB, ticksPerSecond } from './proc';
import type { Table } from './table';

export const title = 'Desktop app: renderer first paint, bundle size, main-process idle CPU';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS) || 10);
const IDLE_S = Number(process.env.BENCH_IDLE_S) || (process.env.BENCH_QUICK ? 10 : 30);
const REPO = join(__dirname, '..');

/** Records when the page first shows real state (body[data-ready]). Init scripts run before <html> exists: observe the document. */
const MARK_READY = `
  new MutationObserver((_, obs) => {
    if (document.body && document.body.dataset.ready === 'true') { window.__readyAt = performance.now(); obs.disconnect(); }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
`;

/** The first-contentful-paint time, waiting for the entry if the paint hasn't been reported yet. */
const FCP = `new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const e = list.getEntriesByName('first-contentful-paint')[0];
    if (e) resolve(e.startTime);
  }).observe({ type: 'paint', buffered: true });
  setTimeout(() => resolve(NaN), 5000);
})`;

async function firstPaint(home: string, env: NodeJS.ProcessEnv): Promise<Table> {
  const browser = await launchChromium();
  const xdg = mkdtempSync(join(tmpdir(), 'anima-bench-xdg-'));
  const fcp: number[] = [];
  const ready: number[] = [];
  const blank: number[] = [];
  // The floor: Chromium painting a trivial page from the same kind of local server.
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>Anima</p>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const blankUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  try {
    const b = await openBridge(browser, { home, env, xdgConfigHome: xdg });
    await b.page.addInitScript(MARK_READY);
    for (let i = 0; i < RUNS; i++) {
      await b.page.reload();
      await b.page.waitForSelector('body[data-ready="true"]');
      fcp.push(Number(await b.page.evaluate(FCP)));
      ready.push(await b.page.evaluate(() => (window as unknown as { __readyAt?: number }).__readyAt ?? NaN));
      const p = await b.page.context().newPage();
      await p.goto(blankUrl);
      blank.push(Number(await p.evaluate(FCP)));
      await p.close();
    }
    await b.close();
  } finally {
    await browser.close();
    server.close();
    rmSync(xdg, { recursive: true, force: true });
  }
  return {
    title: 'Status window first paint (Chromium, renderer bridged to a running supervisor)',
    rows: [
      { label: 'status window: first contentful paint', samples: fcp },
      { label: 'status window: live state shown', samples: ready },
      { label: 'trivial HTML page: first contentful paint (floor)', samples: blank },
    ],
    notes: ['Times from navigation start, per reload; "live state shown" is when the window has the supervisor\'s state (body[data-ready]).'],
  };
}

function bundleSizes(): Table {
  const files = [
    ['renderer app.js', 'dist/renderer/app.js'],
    ['renderer styles.css', 'dist/renderer/styles.css'],
    ['renderer index.html', 'dist/renderer/index.html'],
    ['preload.cjs', 'dist/preload.cjs'],
    ['app main.cjs (our code; deps external)', 'dist/app/main.cjs'],
  ] as const;
  return {
    title: 'Bundle sizes',
    unit: 'kB',
    rows: files.map(([label, f]) => {
      const bytes = statSync(join(REPO, f)).size;
      return { label, samples: [bytes / 1024], extra: { gzip: `${(gzipSync(readFileSync(join(REPO, f))).length / 1024).toFixed(1)} kB` } };
    }),
    notes: ['One measurement each (n = 1): sizes of the build `npm run build` makes.'],
  };
}

/** CPU % of one core and RSS of a process over `seconds` of doing nothing in particular. */
async function idle(pid: number, seconds: number): Promise<{ cpu: number; rss: number }> {
  const t0 = cpuTicks(pid);
  await delay(seconds * 1000);
  return { cpu: ((cpuTicks(pid) - t0) / ticksPerSecond() / seconds) * 100, rss: rssKiB(pid) / 1024 };
}

async function mainProcessIdle(home: string, env: NodeJS.ProcessEnv): Promise<Table> {
  // The app's main-process logic, in Node: SupervisorLink subscribed to the running supervisor.
  const script = `
    const { SupervisorLink } = require(${JSON.stringify(join(REPO, 'main/app/supervisor-link.ts'))});
    const link = new SupervisorLink({ home: process.env.ANIMA_HOME, env: process.env, appVersion: 'bench' });
    link.start().then(() => process.stdout.write('ready\\n'));
    setInterval(() => {}, 1 << 30);
  `;
  const link = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const idleNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  try {
    await new Promise<void>((resolve, reject) => {
      link.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
      link.once('exit', (c) => reject(new Error(`SupervisorLink process exited (${c})`)));
    });
    await delay(2000); // past start-up work
    const supervisor = pidOf(home, 'supervisor')!;
    const [l, n, s] = await Promise.all([idle(link.pid!, IDLE_S), idle(idleNode.pid!, IDLE_S), idle(supervisor, IDLE_S)]);
    const row = (label: string, m: { cpu: number; rss: number }) => ({ label, samples: [m.cpu], extra: { 'RSS MB': m.rss.toFixed(1) } });
    return {
      title: `Idle CPU over ${IDLE_S} s with both services running`,
      unit: '% of a core',
      decimals: 2,
      rows: [row('app main-process logic (SupervisorLink, subscribed)', l), row('idle Node (floor)', n), row('supervisor', s)],
      notes: ['The app only reacts to pushed events; the Electron process itself adds Chromium\'s own idle cost, which can\'t be measured here.'],
    };
  } finally {
    link.kill('SIGKILL');
    idleNode.kill('SIGKILL');
  }
}

export async function run(): Promise<Table[]> {
  const world = await startWorld();
  try {
    const h = await world.supervisedHome();
    const r = await world.cli(['start', '--no-browser'], { home: h.home, env: h.env });
    if (r.code !== 0) throw new Error(`start failed: ${r.stderr}`);
    const env = { ...world.env, ...h.env };
    const tables = [await firstPaint(h.home, env), bundleSizes(), await mainProcessIdle(h.home, env)];
    await world.cli(['stop'], { home: h.home, env: h.env });
    return tables;
  } finally {
    await world.close();
  }
}
