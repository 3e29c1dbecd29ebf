// The offline demo: a local registry holding the reference runtime in a few versions
// (stable, newer stable, canary, a broken one), a throwaway home, and either the app
// or (with --headless) the CLI walking through install → start → update available →
// one-click upgrade → canary → a failed upgrade rolled back. No account, no internet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startRegistry } from '../test/helpers/registry';
import { buildRuntimePackage, buildTinyDep } from '../test/helpers/fixtures';
import { freePort, killHome } from '../test/helpers/world';

const headless = process.argv.includes('--headless');
const root = join(__dirname, '..');
const cli = join(root, 'dist', 'cli.cjs');

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'anima-demo-'));
  const home = join(tmp, 'home');
  const registry = await startRegistry();
  const pkgs = join(tmp, 'pkgs');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANIMA_HOME: home,
    ANIMA_REGISTRY: registry.url,
    ANIMA_WEB_PORT: String(port),
    ANIMA_WEB_START_TIMEOUT_MS: '8000',
    npm_config_cache: join(tmp, 'npm-cache'),
  };
  const cleanup = async () => {
    killHome(home);
    await registry.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

  const publish = async (version: string, opts: { tag?: string; web?: string } = {}) => {
    await registry.publish(buildRuntimePackage(pkgs, { version, web: opts.web }), opts.tag ? { tag: opts.tag } : undefined);
  };
  await registry.publish(buildTinyDep(pkgs, '1.0.0'));
  await publish('1.0.0');
  console.log(`Demo registry: ${registry.url}  ·  throwaway home: ${home}\n`);

  try {
    if (headless) await headlessFlow(env, publish);
    else await appFlow(env, publish);
  } finally {
    await cleanup();
  }
}

function step(title: string): void {
  console.log(`\n\x1b[1m==> ${title}\x1b[0m`);
}

function animactl(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  console.log(`$ animactl ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function expectExit(args: string[], env: NodeJS.ProcessEnv, code: number): Promise<void> {
  const got = await animactl(args, env);
  if (got !== code) throw new Error(`animactl ${args.join(' ')} exited ${got}, expected ${code}`);
}

async function headlessFlow(env: NodeJS.ProcessEnv, publish: (v: string, o?: { tag?: string; web?: string }) => Promise<void>): Promise<void> {
  step('First start: installs the stable version (1.0.0) and starts web and agent');
  await expectExit(['start', '--no-browser'], env, 0);
  await expectExit(['status'], env, 0);

  step('1.1.0 is published: an update is offered, nothing is installed by itself');
  await publish('1.1.0');
  await expectExit(['upgrade', '--check'], env, 0);

  step('The one click: install, drain, swap, restart, verify');
  await expectExit(['upgrade'], env, 0);

  step('Canary opt-in: the canary is offered and installed on request');
  await publish('1.2.0-canary.1', { tag: 'canary' });
  await expectExit(['config', 'set', 'channel', 'canary'], env, 0);
  await expectExit(['upgrade', '--check'], env, 0);
  await expectExit(['upgrade'], env, 0);

  step('Back on stable, a broken 1.3.0 is published: the upgrade fails verification and rolls back');
  await expectExit(['config', 'set', 'channel', 'stable'], env, 0);
  await publish('1.3.0', { web: 'wrong-version' });
  await expectExit(['upgrade', '--check'], env, 0);
  await expectExit(['upgrade'], env, 1);
  await expectExit(['status'], env, 0);
  await expectExit(['verify'], env, 0);

  step('Stop: drain the agent, stop web and the supervisor');
  await expectExit(['stop'], env, 0);
  console.log('\nDemo finished: upgrade verified, canary installed, broken upgrade rolled back.');
}

async function appFlow(env: NodeJS.ProcessEnv, publish: (v: string, o?: { tag?: string; web?: string }) => Promise<void>): Promise<void> {
  // Everything the walkthrough needs is published up front; the app shows 1.1.0 as an update after the first start on 1.0.0.
  await expectExit(['start', '--no-browser', '--version', '1.0.0'], env, 0);
  await publish('1.1.0');
  await publish('1.2.0-canary.1', { tag: 'canary' });
  let electron: string;
  try {
    electron = require('electron') as unknown as string;
  } catch (e) {
    console.error(`The Electron binary is not available here (${(e as Error).message.split('\n')[0]}).`);
    console.error('Run `npm run demo -- --headless` for the command-line walkthrough.');
    await animactl(['stop'], env);
    process.exitCode = 1;
    return;
  }
  console.log('Launching Anima Desktop on the demo home. Try: Check for Updates → Upgrade, the canary toggle, Stop. Quit the app to end the demo.');
  await new Promise<void>((resolve) => {
    const app = spawn(electron, [root], { env, stdio: 'inherit' });
    app.on('exit', () => resolve());
  });
  await animactl(['stop'], env);
}

main().catch((e) => {
  console.error(`demo: ${e.message}`);
  process.exitCode = 1;
});
