import { layout, resolveHome, type HomeLayout } from './home';
import { defaultConfig, readConfig, environmentOf } from './config';
import { type Config, type Channel, type Environment } from '../shared/settings';
import { DEFAULT_WEB_PORT } from '../shared/defaults';
import { resolveRegistryTarget, type RegistryTarget } from './registry';
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

export function createContext(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env): Context {
  return contextWithConfig(overrides, env, readConfig(layout(resolveHome(overrides.home, env)).config));
}

/** config.json's context, or, while it is broken (`onBroken` is told why), one on the defaults. */
export function contextOrDefaults(overrides: Overrides, env: NodeJS.ProcessEnv, onBroken: (e: unknown) => void): Context {
  try {
    return createContext(overrides, env);
  } catch (e) {
    onBroken(e);
    return contextWithConfig(overrides, env, defaultConfig());
  }
}

/**
 * A context on given settings: for a supervisor that must start (to adopt and stop what
 * runs) while config.json is broken, on the defaults; everything that changes the home
 * reads the file again and refuses until it is fixed.
 */
export function contextWithConfig(overrides: Overrides, env: NodeJS.ProcessEnv, config: Config): Context {
  const home = resolveHome(overrides.home, env);
  const paths = layout(home);
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

function resolveRegistry(home: string, config: Config, packageName: string, overrides: Overrides, env: NodeJS.ProcessEnv): Promise<RegistryTarget> {
  return resolveRegistryTarget(home, packageName, { registry: overrides.registry, registrySource: overrides.registrySource, configRegistry: config.runtime.registry, configFile: layout(home).config }, env);
}
