import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors';
import { DEFAULT_PACKAGE } from '../shared/defaults';

export type OptionSpec = Record<string, { type: 'boolean' | 'string'; short?: string; description: string; value?: string }>;

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  home: { type: 'string', value: 'PATH', description: 'the Anima home (default: $ANIMA_HOME, else ~/.anima)' },
  dev: { type: 'string', value: 'CHECKOUT', description: "the development home of a checkout (CHECKOUT/.anima-dev); `start --dev` runs the checkout in place" },
  registry: { type: 'string', value: 'URL', description: 'the npm registry (default: $ANIMA_REGISTRY, config, then your npm config)' },
  package: { type: 'string', value: 'NAME', description: `the runtime package (default: $ANIMA_RUNTIME_PACKAGE, config, then ${DEFAULT_PACKAGE})` },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
} as const satisfies OptionSpec;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Strict parsing: an unknown flag or a missing value is a usage error (exit 2), never ignored. */
export function parse(argv: string[], options: OptionSpec): Parsed {
  const all: OptionSpec = { ...GLOBAL_OPTIONS, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(all).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new UsageError(describeParseError(e as Error & { code?: string }, argv, all), 'Run `animactl <command> --help` for its options.');
  }
}

/** Node's wording changes between versions; ours names the flag once, quoted, with the nearest one it knows. */
function describeParseError(e: Error & { code?: string }, argv: string[], all: OptionSpec): string {
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = argv.find((a) => a.startsWith('-') && e.message.includes(`'${a.split('=')[0]}'`))?.split('=')[0] ?? e.message.match(/'([^']+)'/)?.[1] ?? '?';
    const near = nearest(flag.replace(/^-+/, ''), Object.keys(all));
    return `Unknown option "${flag}"${near ? ` (did you mean --${near}?)` : ''}`;
  }
  return e.message.replace(/\.$/, '');
}

function nearest(word: string, candidates: string[]): string | null {
  let best: { name: string; d: number } | null = null;
  for (const name of candidates) {
    const d = name.startsWith(word) || word.startsWith(name) ? 1 : distance(word, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(1, Math.floor(word.length / 3)) ? best.name : null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length];
}

/** What the global flags default to for this user, so `--help` says what would actually be used. */
function effectiveGlobals(env: NodeJS.ProcessEnv): OptionSpec {
  const set = (name: string) => (env[name] && env[name]!.trim() !== '' ? env[name] : undefined);
  const g: OptionSpec = { ...GLOBAL_OPTIONS };
  const home = set('ANIMA_HOME');
  if (home) g.home = { ...g.home, description: `the Anima home (default: ${home}, from ANIMA_HOME)` };
  const registry = set('ANIMA_REGISTRY');
  if (registry) g.registry = { ...g.registry, description: `the npm registry (default: ${registry}, from ANIMA_REGISTRY)` };
  const pkg = set('ANIMA_RUNTIME_PACKAGE');
  if (pkg) g.package = { ...g.package, description: `the runtime package (default: ${pkg}, from ANIMA_RUNTIME_PACKAGE)` };
  return g;
}

export function formatOptions(options: OptionSpec, env: NodeJS.ProcessEnv = {}): string {
  const all: OptionSpec = { ...options, ...effectiveGlobals(env) };
  const rows = Object.entries(all).map(([k, o]) => [`  ${o.short ? `-${o.short}, ` : ''}--${k}${o.value ? ` ${o.value}` : ''}`, o.description]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => a.padEnd(width) + b).join('\n');
}
