import { layout, resolveHome, type HomeLayout } from './home';
import { readConfig, environmentOf } from './config';
import { DEFAULT_WEB_PORT, type Config, type Channel, type Environment } from '../shared/settings';
import { loadNpmConfig } from './npm-config';
import type { RegistryTarget } from './registry';
import { UsageError } from './errors';

/** What a command may override for one invocation (spec/cli.md: a flag beats the environment, which beats config.json). */
export interface Overrides {
  home?: string;
  registry?: string;
  /** Where `registry` came from, when a client passes it on (default: the --registry flag). */
  registrySource?: string;
  package?: string;
  channel?: string;
}

/** Everything a core operation needs to know about the home it works on. */
export interface Context {
  home: string;
  paths: HomeLayout;
  config: Config;
  channel: Channel;
  packageName: string;
  environment: Environment;
  webPort: number;
  env: NodeJS.ProcessEnv;
  /** Resolved on first use: reading npm's config costs a few file reads that `status` doesn't need. */
  registry(): Promise<RegistryTarget>;
}

export function parseChannel(value: string | undefined): Channel | undefined {
  if (value === undefined) return undefined;
  if (value !== 'stable' && value !== 'canary') throw new UsageError(`Unknown channel "${value}": use stable or canary`);
  return value;
}

function parsePort(value: string, where: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${where} must be a TCP port number, got "${value}"`);
  return n;
}

function checkUrl(value: string, where: string): string {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new UsageError(`${where} must be an http(s) URL, got "${value}"`);
  return value.endsWith('/') ? value : `${value}/`;
}

export function createContext(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env): Context {
  const home = resolveHome(overrides.home, env);
  const paths = layout(home);
  const config = readConfig(paths.config);
  const channel = parseChannel(overrides.channel) ?? config.channel;
  const packageName = overrides.package ?? (env.ANIMA_RUNTIME_PACKAGE || undefined) ?? config.runtime.package;
  const webPort = env.ANIMA_WEB_PORT ? parsePort(env.ANIMA_WEB_PORT, 'ANIMA_WEB_PORT') : config.web.port ?? DEFAULT_WEB_PORT;
  let registry: Promise<RegistryTarget> | undefined;
  return {
    home,
    paths,
    config,
    channel,
    packageName,
    environment: environmentOf({ ...config, channel }),
    webPort,
    env,
    registry: () => (registry ??= resolveRegistry(home, config, packageName, overrides, env)),
  };
}

async function resolveRegistry(home: string, config: Config, packageName: string, overrides: Overrides, env: NodeJS.ProcessEnv): Promise<RegistryTarget> {
  const npm = await loadNpmConfig(home, env);
  if (overrides.registry) return { url: checkUrl(overrides.registry, '--registry'), source: overrides.registrySource ?? 'the --registry flag', npm };
  if (env.ANIMA_REGISTRY) return { url: checkUrl(env.ANIMA_REGISTRY, 'ANIMA_REGISTRY'), source: 'the ANIMA_REGISTRY environment variable', npm };
  const scope = packageName.startsWith('@') ? packageName.split('/')[0] : null;
  const scopedKey = scope ? `${scope}:registry` : null;
  const fromNpm = (key: string) => {
    const where = npm.sourceOf(key);
    const url = npm.flat[key] as string | undefined;
    return url ? { url: checkUrl(url, key), where } : null;
  };
  const scoped = scopedKey ? fromNpm(scopedKey) : null;
  const plain = fromNpm('registry');
  const describe = (key: string, w: { where: string; file?: string }) =>
    w.where === 'env' ? `the npm_config_${key.replace(/[:@/]/g, '_')} environment variable` : w.file ? `${w.file} (${key})` : `npm's default (${key})`;
  // The environment beats config.json, which beats .npmrc files and npm's default.
  if (scoped && scoped.where.where === 'env') return { url: scoped.url, source: describe(scopedKey!, scoped.where), npm };
  if (plain && plain.where.where === 'env') return { url: plain.url, source: describe('registry', plain.where), npm };
  if (config.runtime.registry) return { url: checkUrl(config.runtime.registry, 'runtime.registry'), source: `${layout(home).config} (runtime.registry)`, npm };
  if (scoped && scoped.where.where !== 'default') return { url: scoped.url, source: describe(scopedKey!, scoped.where), npm };
  if (plain) return { url: plain.url, source: describe('registry', plain.where), npm };
  return { url: 'https://registry.npmjs.org/', source: "npm's default", npm };
}
