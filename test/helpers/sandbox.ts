// Homes in a temporary folder and the real CLI with no registry behind it: for commands
// that must never need one (settings, usage errors), so a test can't pass by network luck.
import { afterAll, beforeAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './world';

export interface Sandbox {
  /** The temporary folder (set once the suite has started); the CLI runs with it as its working directory. */
  readonly tmp: string;
  /** A new home path; with `config`, a config.json holding it (text as is, anything else as JSON). */
  newHome(config?: unknown): string;
  cli(args: string[], home: string, env?: NodeJS.ProcessEnv): Promise<CliResult>;
}

export function sandbox(prefix: string): Sandbox {
  let tmp = '';
  let n = 0;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), prefix));
    mkdirSync(join(tmp, 'user'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  return {
    get tmp() {
      return tmp;
    },
    newHome(config) {
      const home = join(tmp, `home-${++n}`);
      if (config !== undefined) {
        mkdirSync(home, { recursive: true });
        writeFileSync(join(home, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
      }
      return home;
    },
    cli(args, home, env = {}) {
      return runCli(args, {
        env: {
          PATH: process.env.PATH,
          HOME: join(tmp, 'user'),
          ANIMA_HOME: home,
          ANIMA_REGISTRY: 'http://127.0.0.1:9/',
          npm_config_cache: join(tmp, 'npm-cache'),
          npm_config_update_notifier: 'false',
          ...env,
        },
        cwd: tmp,
      });
    },
  };
}
