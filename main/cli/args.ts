import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors';

export type OptionSpec = Record<string, { type: 'boolean' | 'string'; short?: string; description: string; value?: string }>;

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  home: { type: 'string', value: 'PATH', description: 'the Anima home (default: $ANIMA_HOME, else ~/.anima)' },
  registry: { type: 'string', value: 'URL', description: 'the npm registry (default: $ANIMA_REGISTRY, config, then your npm config)' },
  package: { type: 'string', value: 'NAME', description: 'the runtime package (default: @meetquinn/animactl)' },
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
    throw new UsageError((e as Error).message.replace(/^.*?: /, ''), 'Run `animactl --help` for usage.');
  }
}

export function formatOptions(options: OptionSpec): string {
  const all: OptionSpec = { ...options, ...GLOBAL_OPTIONS };
  const rows = Object.entries(all).map(([k, o]) => [`  ${o.short ? `-${o.short}, ` : ''}--${k}${o.value ? ` ${o.value}` : ''}`, o.description]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => a.padEnd(width) + b).join('\n');
}
