import { closeSync, existsSync, openSync, readSync, statSync, watch } from 'node:fs';
import { AnimaError, UsageError } from '../../core/errors';
import { tailLines } from '../../core/log-tail';
import { defineCommand, homeLayout } from '../command';

const LOGS = ['web', 'agent', 'manager', 'supervisor'];

export const logs = defineCommand({
  name: 'logs',
  summary: 'print the last lines of a log (web, agent, manager, supervisor)',
  usage: 'animactl logs [web|agent|manager|supervisor] [--lines N] [--follow]',
  options: {
    lines: { type: 'string', short: 'n', value: 'N', description: 'how many lines (default 50)' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines' },
  },
  positionals: ['log'],
  async run(inv) {
    const log = inv.positionals.log ?? 'agent';
    if (!LOGS.includes(log)) throw new UsageError(`Unknown log "${log}": use web, agent, manager or supervisor`);
    const n = Number(inv.options.lines ?? 50);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--lines must be a whole number, got "${inv.options.lines}"`);
    // Logs need no settings: a broken config.json must not hide them.
    const paths = homeLayout(inv);
    if (!existsSync(paths.home)) throw new AnimaError('ENOHOME', `There is no Anima home at ${paths.home}, so no logs`, { hint: 'Check --home or ANIMA_HOME; `animactl start` creates a home.' });
    const file = paths.log(log);
    if (!existsSync(file) && !inv.options.follow) {
      inv.out.err(`No ${log} log yet (${file}).`);
      return 0;
    }
    for (const line of tailLines(file, n)) inv.out.out(line);
    if (!inv.options.follow) return 0;
    return followFile(file);
  },
});

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}

/** tail -f: print what is appended, survive truncation by rotation, until interrupted. */
function followFile(file: string): Promise<number> {
  let pos = sizeOf(file) ?? 0;
  const read = () => {
    const size = sizeOf(file);
    if (size === null) return;
    if (size < pos) pos = 0;
    if (size === pos) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - pos);
    readSync(fd, buf, 0, buf.length, pos);
    closeSync(fd);
    pos = size;
    // Bytes as written: a line may arrive in two reads.
    process.stdout.write(buf);
  };
  return new Promise(() => {
    const timer = setInterval(read, 250);
    try {
      watch(file, read);
    } catch {
      // The poll covers it.
    }
    process.on('SIGINT', () => {
      clearInterval(timer);
      process.exit(0);
    });
  });
}
