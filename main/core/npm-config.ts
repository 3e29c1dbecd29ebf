import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { npmConfigLib } from './npm-engine-load';

const require = createRequire(__filename);

export interface NpmConfig {
  /** Options as npm itself flattens them for pacote and Arborist (registry, scoped registries, auth, proxy, CA, cache…). */
  flat: Record<string, unknown>;
  /** Where a key's value came from: 'default', 'builtin', 'global', 'user', 'project', 'env', 'cli', plus the file for file sources. */
  sourceOf(key: string): { where: string; file?: string };
}

/**
 * Reads the user's npm configuration exactly as npm does (`.npmrc` files,
 * `npm_config_*` variables), so tokens, scoped registries, proxies and CAs reach
 * pacote and Arborist. `argv: []` keeps our own (or Electron's) arguments from
 * being read as npm flags; `cwd` is the home, so a project .npmrc of whatever
 * folder the CLI happens to run in does not change what a home installs.
 */
export async function loadNpmConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<NpmConfig> {
  const { Config, definitionsLib } = npmConfigLib();
  const { definitions, shorthands, flatten, nerfDarts } = definitionsLib;
  const config = new Config({
    definitions,
    shorthands,
    flatten,
    nerfDarts,
    npmPath: dirname(require.resolve('@npmcli/config/package.json')),
    argv: [],
    cwd,
    // A copy: load() ends with setEnvs(), which writes npm_config_* (registry URLs with
    // their passwords, proxies) and HOME into the object it is given. On process.env that
    // would hand them to every process we start afterwards.
    env: { ...env },
    execPath: process.execPath,
    warn: false,
  });
  // Flattening the user-agent writes process.env.npm_config_user_agent directly, whatever
  // env was given: put back what was there, so nothing we start inherits npm's settings.
  const userAgent = process.env.npm_config_user_agent;
  let flat: Record<string, unknown>;
  try {
    await config.load();
    flat = { ...config.flat };
  } finally {
    if (userAgent === undefined) delete process.env.npm_config_user_agent;
    else process.env.npm_config_user_agent = userAgent;
  }
  return {
    flat,
    sourceOf(key) {
      const where: string | null = config.find(key);
      if (!where) return { where: 'default' };
      const file: string | undefined = config.data.get(where)?.source;
      return { where, file: file && file !== '(default)' && !file.startsWith('command line') && !file.startsWith('environment') ? file : undefined };
    },
  };
}
