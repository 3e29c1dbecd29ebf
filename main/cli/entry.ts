// The program `animactl` runs (dist/cli.cjs): it answers `--help`, `--version` and a
// `status` that a running supervisor can answer by itself, loading little more than the
// control client, and hands everything else to the commands (dist/cli-commands.cjs, from
// index.ts), which load zod, semver and, when they need them, pacote and Arborist.
// Whatever the front isn't sure about, it hands over unchanged: errors are reported in
// one place, by the commands.
import { readFileSync, readlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { requireBundle } from '../core/code-cache';
import { connectIfRunning } from '../core/control-client';
import { isAnimaError } from '../core/errors';
import { layout, resolveHome, type HomeLayout } from '../core/home';
import { readPidFile } from '../core/pidfile';
import { isSameProcess } from '../core/process-identity';
import { parse, type OptionSpec } from './args';
import { commandHelp, findCommand, generalHelp, type CommandInfo } from './help';
import { runProgram } from './program';
import { createOutput, reportError, type Output } from './output';
import { printStatus } from './status-text';

// Set by scripts/build.mjs: package.json's version, and the commands' descriptions taken from index.ts.
declare const ANIMA_DESKTOP_VERSION: string;
declare const ANIMA_CLI_COMMANDS: CommandInfo[];

type CommandsModule = { main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> };

function handOver(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // A computed path esbuild leaves alone: the commands are their own bundle.
  return (requireBundle(join(__dirname, 'cli-commands.cjs'), env) as CommandsModule).main(argv, env);
}

const VERSION_OPTIONS = {
  version: { type: 'boolean', short: 'v', description: "print the manager's version, and the home's runtime version" },
  json: { type: 'boolean', description: 'print JSON' },
} as const satisfies OptionSpec;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = createOutput();
  const { command } = findCommand(ANIMA_CLI_COMMANDS, argv);
  if (!command && (argv.includes('--version') || argv.includes('-v'))) {
    try {
      const printed = printVersion(argv, env, out);
      if (printed !== null) return printed;
    } catch (e) {
      reportError(out, e);
      return isAnimaError(e) ? e.exitCode : 1;
    }
  }
  try {
    if (argv.length === 0 || (!command && argv.every((a) => a === '--help' || a === '-h'))) {
      out.out(generalHelp(ANIMA_CLI_COMMANDS, env));
      return argv.length === 0 ? 2 : 0;
    }
    // Parsed as the command would: a bad flag next to --help is still the command's usage error (theirs to report).
    if (command && (argv.includes('--help') || argv.includes('-h')) && parse(argv, command.options).values.help) {
      out.out(commandHelp(command, env));
      return 0;
    }
    if (command?.name === 'status') {
      const answered = await statusFromSupervisor(argv, env, out);
      if (answered !== null) return answered;
    }
  } catch {
    // Whatever went wrong, the commands will find it again and report it their way.
  }
  return handOver(argv, env);
}

/**
 * `status` when a supervisor answers: only its answer is needed, not config.json, so
 * neither zod nor the rest of the commands is loaded. Any other case (no supervisor:
 * status from disk; flags the front doesn't interpret) is the commands' to answer.
 */
async function statusFromSupervisor(argv: string[], env: NodeJS.ProcessEnv, out: Output): Promise<number | null> {
  const parsed = parse(argv, ANIMA_CLI_COMMANDS.find((c) => c.name === 'status')!.options);
  const flags = Object.keys(parsed.values);
  if (parsed.positionals.length !== 1 || flags.some((f) => f !== 'json' && f !== 'home')) return null;
  const home = parsed.values.home as string | undefined;
  if (home?.startsWith('~')) return null;
  const paths = layout(resolveHome(home, env));
  // A config.json that isn't even JSON: the commands answer, with their warning about it.
  if (!readsAsJson(paths.config)) return null;
  let client;
  try {
    client = await connectIfRunning(paths);
  } catch {
    return null;
  }
  if (!client) return null;
  try {
    const s = await client.request('status', {}, { timeoutMs: 5000 });
    if (parsed.values.json) out.json(s);
    else printStatus(s, out, home !== undefined ? ` --home ${home}` : '');
    return 0;
  } catch {
    return null;
  } finally {
    client.close();
  }
}

/** Whether the file is missing or parses as JSON: the only check of config.json the front can afford. */
function readsAsJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export interface HomeVersions {
  home: string;
  /** What the web service runs now (its pid file, checked by start time). */
  running: string | null;
  /** What runtime/current points at. */
  current: string | null;
  /** config.json's runtime.version. */
  pinned: string | null;
  /** A development home's checkout. */
  source: string | null;
}

/** The home's versions from its files alone: no supervisor is started or asked, config.json is read as plain JSON. */
export function homeVersions(paths: HomeLayout): HomeVersions {
  let runtime: { version?: unknown; source?: unknown } = {};
  try {
    runtime = JSON.parse(readFileSync(paths.config, 'utf8'))?.runtime ?? {};
  } catch {
    // No config.json, or one `animactl status` will complain about: nothing pinned to show.
  }
  let current: string | null = null;
  try {
    const target = resolve(paths.runtime, readlinkSync(paths.current));
    const v = basename(target);
    if (EXACT_VERSION.test(v) && target === paths.version(v)) current = v;
  } catch {
    // No runtime installed.
  }
  const web = readPidFile(paths.pidFile('web'));
  return {
    home: paths.home,
    running: web && isSameProcess(web) ? web.version : null,
    current,
    pinned: typeof runtime.version === 'string' ? runtime.version : null,
    source: typeof runtime.source === 'string' ? runtime.source : null,
  };
}

function describeRuntime(v: HomeVersions): string | null {
  if (v.source) return `runtime: development checkout ${v.source} (${v.home})${v.running ? `, running ${v.running}` : ''}`;
  const shown = v.running ?? v.current ?? v.pinned;
  if (!shown) return null;
  const state = v.running ? 'running' : v.current === shown ? 'installed, not running' : 'pinned, not installed yet';
  const pin = v.pinned && v.pinned !== shown ? `; pinned ${v.pinned}, runs after the next restart` : '';
  return `runtime ${shown} (${state}${pin}) in ${v.home}`;
}

/** `--version` / `-v`, or null when the command line holds more than that (an unknown command, for the commands to report). */
function printVersion(argv: string[], env: NodeJS.ProcessEnv, out: Output): number | null {
  const parsed = parse(argv, VERSION_OPTIONS);
  if (parsed.positionals.length) return null;
  const versions = homeVersions(layout(resolveHome(parsed.values.home as string | undefined, env)));
  if (parsed.values.json) {
    const { home, ...runtime } = versions;
    out.json({ manager: ANIMA_DESKTOP_VERSION, home, runtime });
    return 0;
  }
  out.out(`animactl ${ANIMA_DESKTOP_VERSION}`);
  const runtime = describeRuntime(versions);
  if (runtime) out.out(runtime);
  return 0;
}

/** The program: run the command line, then exit with its code. bin/animactl.cjs calls this. */
export function run(argv: string[] = process.argv.slice(2)): void {
  runProgram(main, argv);
}

if (require.main === module) run();
