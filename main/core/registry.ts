import type pacote from 'pacote';
import semver from 'semver';
import { AnimaError, UsageError, errorCode, messageOf } from './errors';
import { loadNpmConfig, type NpmConfig } from './npm-config';
import { npmFetch } from './npm-engine-load';
import { redact, redactError, redactUrl } from './redact';
import type { DistTags } from './update-policy';

/** pacote costs more to load than the rest of the CLI: only the commands that talk to a registry pay for it. */
export async function loadPacote(): Promise<typeof pacote> {
  return npmFetch().pacote;
}

/** The registry a home installs from, and why that one, so errors can point at the setting to fix. */
export interface RegistryTarget {
  /** The runtime package's registry as shown and recorded: never with `user:password@`. */
  url: string;
  /** The same registry as requests use it, credentials included: only ever handed to pacote/Arborist. */
  fetchUrl: string;
  /**
   * The registry for every package without an `@scope:registry` entry (the runtime's
   * dependencies): the one the manager was told (--registry, ANIMA_REGISTRY,
   * runtime.registry), which replaces npm's default like npm's own --registry, else
   * npm's own default registry. Credentials included, like fetchUrl.
   */
  defaultFetchUrl: string;
  /** A phrase naming where the URL came from: "the --registry flag", "/home/u/.npmrc", … */
  source: string;
  npm: NpmConfig;
}

export interface Packument {
  name: string;
  distTags: DistTags;
  versions: string[];
}

export interface ResolvedVersion {
  name: string;
  version: string;
  resolved: string;
  integrity: string;
  manifest: Record<string, unknown>;
}

export interface RegistryOverrides {
  /** --registry, or what a client passed on. */
  registry?: string;
  registrySource?: string;
  /** config.json's runtime.registry, and the file it lives in. */
  configRegistry?: string;
  configFile: string;
}

function checkUrl(value: string, where: string): string {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new UsageError(`${where} must be an http(s) URL, got "${redactUrl(value)}"`);
  return value.endsWith('/') ? value : `${value}/`;
}

const NPM_DEFAULT = 'https://registry.npmjs.org/';

/**
 * The runtime package's registry and the default registry for its dependencies
 * (spec/cli.md, "Registries per package"). For the runtime package: --registry >
 * ANIMA_REGISTRY > npm config from the environment > config.json runtime.registry >
 * .npmrc (its scope's `@scope:registry` first) > npm's default. The manager's own
 * choices (flag, ANIMA_REGISTRY, runtime.registry) also become the default registry
 * of the dependencies, as npm's --registry does; `@scope:registry` entries of the npm
 * config still decide for their scopes.
 */
export async function resolveRegistryTarget(home: string, packageName: string, o: RegistryOverrides, env: NodeJS.ProcessEnv): Promise<RegistryTarget> {
  const npm = await loadNpmConfig(home, env);
  const npmDefault = typeof npm.flat.registry === 'string' && npm.flat.registry ? checkUrl(npm.flat.registry, 'registry') : NPM_DEFAULT;
  const target = (fetchUrl: string, source: string, explicit: boolean): RegistryTarget => ({
    url: redactUrl(fetchUrl),
    fetchUrl,
    defaultFetchUrl: explicit ? fetchUrl : npmDefault,
    source,
    npm,
  });
  if (o.registry) return target(checkUrl(o.registry, '--registry'), o.registrySource ?? 'the --registry flag', true);
  if (env.ANIMA_REGISTRY) return target(checkUrl(env.ANIMA_REGISTRY, 'ANIMA_REGISTRY'), 'the ANIMA_REGISTRY environment variable', true);
  const scopedKey = scopeOf(packageName) ? `${scopeOf(packageName)}:registry` : null;
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
  if (scoped && scoped.where.where === 'env') return target(scoped.url, describe(scopedKey!, scoped.where), false);
  if (plain && plain.where.where === 'env') return target(plain.url, describe('registry', plain.where), false);
  if (o.configRegistry) return target(checkUrl(o.configRegistry, 'runtime.registry'), `${o.configFile} (runtime.registry)`, true);
  if (scoped && scoped.where.where !== 'default') return target(scoped.url, describe(scopedKey!, scoped.where), false);
  if (plain) return target(plain.url, describe('registry', plain.where), false);
  return target(NPM_DEFAULT, "npm's default", false);
}

function scopeOf(packageName: string): string | null {
  return packageName.startsWith('@') ? packageName.split('/')[0] : null;
}

/**
 * Options for pacote and Arborist, as npm would build them from the user's config,
 * with the registries of this target: `registry` is the default registry for every
 * package without a scoped entry, and the runtime package's own scope (when it has
 * one) is pointed at the runtime's registry. Credentials stay keyed by registry
 * (`//host/path/:_authToken`), so npm-registry-fetch sends each only to its own registry.
 * Retries are few and short: an unreachable registry is reported in seconds, not minutes.
 */
export function pacoteOptions(target: RegistryTarget, packageName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const scope = scopeOf(packageName);
  return {
    ...dependencyOptions(target),
    // An unscoped runtime package asks `registry`: then the runtime's registry is the
    // default only for this one request (its dependencies go through dependencyOptions).
    ...(scope ? { [`${scope}:registry`]: target.fetchUrl } : { registry: target.fetchUrl }),
    ...extra,
  };
}

/** Options for the runtime's dependencies: scoped entries of the npm config win for their scopes, everything else goes to the default registry. */
export function dependencyOptions(target: RegistryTarget): Record<string, unknown> {
  return {
    ...target.npm.flat,
    registry: target.defaultFetchUrl,
    // npm flattens fetch-retry-* into `retry`, which npm-registry-fetch reads before
    // fetchRetries: npm's default (2 retries from 10 s up) made a bad tarball hang for minutes.
    retry: { ...(target.npm.flat.retry as object | undefined), retries: 1, factor: 2, minTimeout: 500, maxTimeout: 2000 },
    timeout: registryTimeoutMs(),
  };
}

/** How long one request may go unanswered: 30 s, or ANIMA_REGISTRY_TIMEOUT_MS (slow links; tests of a hanging registry). */
export function registryTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ANIMA_REGISTRY_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : 30_000;
}

/**
 * The package's dist-tags and versions. With `fresh`, the registry must answer
 * now: a cached copy is never passed off as current (update checks rely on this).
 */
export async function fetchPackument(target: RegistryTarget, packageName: string, opts: { fresh: boolean; timeoutMs?: number }): Promise<Packument> {
  let doc: Record<string, unknown>;
  try {
    doc = (await (await loadPacote()).packument(
      packageName,
      pacoteOptions(target, packageName, {
        // make-fetch-happen serves a stale cached copy when revalidation fails (unless the
        // registry said must-revalidate, which verdaccio and others don't), so a fresh read
        // skips the HTTP cache altogether: no answer from the registry means an error.
        ...(opts.fresh ? { cache: undefined, preferOnline: true, offline: false } : { preferOffline: true }),
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      }) as pacote.Options,
    )) as unknown as Record<string, unknown>;
  } catch (e) {
    throw registryError(e, target, packageName);
  }
  const distTags = doc['dist-tags'];
  const versions = doc.versions;
  if (typeof distTags !== 'object' || distTags === null || typeof versions !== 'object' || versions === null) {
    throw new AnimaError('EREGISTRY_BAD_RESPONSE', `The registry ${target.url} sent a malformed document for ${packageName} (no dist-tags or versions)`, {
      details: { registry: target.url, package: packageName },
    });
  }
  return { name: packageName, distTags: distTags as DistTags, versions: Object.keys(versions).filter((v) => semver.valid(v)) };
}

/**
 * Resolves an exact version or a dist-tag to one published version with its tarball's
 * integrity. Full metadata: the abbreviated form registries serve by default drops
 * the `anima` block the contract needs.
 *
 * What the registry answers is checked before anything uses it: the version must be an
 * exact semver equal to the one asked for (or the dist-tag's target), since it becomes a
 * folder name (`1.0.0/../../x` would be a path); and the tarball must be pinned by sha512,
 * as npm's own lockfiles are (a sha1 `shasum` alone is too weak to trust).
 */
export async function resolveVersion(target: RegistryTarget, packageName: string, spec: string, opts: { preferOffline?: boolean } = {}): Promise<ResolvedVersion> {
  let m: Record<string, unknown> & { version: string; _resolved?: string; _integrity?: string };
  let expected = spec;
  try {
    const pacote = await loadPacote();
    // One packument for both reads, so the dist-tag and the manifest come from the same answer.
    const options = pacoteOptions(target, packageName, { fullMetadata: true, packumentCache: new Map(), ...(opts.preferOffline ? { preferOffline: true } : {}) }) as pacote.Options;
    if (semver.valid(spec) !== spec) {
      const tags = ((await pacote.packument(packageName, options)) as unknown as { 'dist-tags'?: Record<string, unknown> })['dist-tags'];
      const tagged = tags?.[spec];
      if (typeof tagged === 'string') expected = tagged;
    }
    m = (await pacote.manifest(`${packageName}@${spec}`, options)) as unknown as typeof m;
  } catch (e) {
    throw registryError(e, target, packageName, spec);
  }
  const details = { registry: target.url, package: packageName, spec };
  if (typeof m.version !== 'string' || semver.valid(m.version) !== m.version || m.version !== expected) {
    throw new AnimaError('EREGISTRY_BAD_RESPONSE', `The registry ${target.url} answered version ${JSON.stringify(redact(String(m.version)).slice(0, 100))} when ${packageName}@${spec} was asked for`, {
      hint: 'Nothing was installed. The registry is misbehaving or tampered with; ask its owner.',
      details: { ...details, answered: String(m.version).slice(0, 100), expected },
    });
  }
  if (!m._resolved || !m._integrity) {
    throw new AnimaError('EREGISTRY_BAD_RESPONSE', `The registry ${target.url} gave no tarball or integrity for ${packageName}@${m.version}`, { details });
  }
  const sha512 = String(m._integrity).split(/\s+/).filter((h) => h.startsWith('sha512-'));
  if (sha512.length === 0) {
    throw new AnimaError('EINTEGRITY_WEAK', `The registry ${target.url} offers only a ${String(m._integrity).split('-')[0]} checksum for ${packageName}@${m.version}; a sha512 integrity is required`, {
      hint: 'Nothing was installed. Republish the package with a current npm (it records sha512), or use a registry that serves `dist.integrity`.',
      details,
    });
  }
  return { name: packageName, version: m.version, resolved: m._resolved, integrity: sha512.join(' '), manifest: m };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ERR_SOCKET_TIMEOUT', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT']);

/** Turns what pacote/npm-registry-fetch throw into an error that says what happened, where, and what to do. */
export function registryError(e: unknown, target: RegistryTarget, packageName: string, spec?: string): AnimaError {
  // npm's errors quote the URL they fetched, credentials and all: whatever prints or records this error later must not see them.
  redactError(e);
  if (e instanceof AnimaError) return e;
  const code = errorCode(e) ?? '';
  const err = e as { type?: string; statusCode?: number; errno?: string };
  const details = { registry: target.url, registrySource: target.source, package: packageName, ...(spec ? { spec } : {}) };
  const fix = `The registry comes from ${target.source}; use --registry URL or ANIMA_REGISTRY to choose another.`;
  if (code === 'E404') {
    return new AnimaError('EPACKAGE_NOT_FOUND', `The package ${packageName} was not found on the registry ${target.url}`, {
      hint: `Check the package name (--package, ANIMA_RUNTIME_PACKAGE or runtime.package). ${fix}`,
      details,
      cause: e,
    });
  }
  if (code === 'ETARGET' || code === 'ENOVERSIONS') {
    return new AnimaError('EVERSION_NOT_FOUND', `${packageName} has no version or dist-tag "${spec}" on the registry ${target.url}`, {
      hint: 'Run `animactl upgrade --check` to see what the registry offers.',
      details,
      cause: e,
    });
  }
  if (code === 'E401' || code === 'E403') {
    return new AnimaError('EREGISTRY_AUTH', `The registry ${target.url} refused access to ${packageName} (${code.slice(1)})`, {
      hint: 'Log in with `npm login --registry URL`, or set the auth token for that registry in your .npmrc.',
      details,
      cause: e,
    });
  }
  if (code === 'EINTEGRITY') {
    return new AnimaError('EINTEGRITY', `The tarball of ${packageName}${spec ? `@${spec}` : ''} from ${target.url} does not match the integrity the registry published for it`, {
      hint: 'Nothing was installed. The download was corrupted or tampered with; try again later, or ask the registry owner.',
      details,
      cause: e,
    });
  }
  // Before the unreachable check: minipass-fetch gives a body that is not JSON the generic code FETCH_ERROR too.
  if (code === 'EJSONPARSE' || err.type === 'invalid-json' || e instanceof SyntaxError) {
    return new AnimaError('EREGISTRY_BAD_RESPONSE', `The registry ${target.url} answered with something that is not a package document (${messageOf(e)})`, {
      hint: `Is ${target.url} really an npm registry? ${fix}`,
      details,
      cause: e,
    });
  }
  if (UNREACHABLE.has(code) || UNREACHABLE.has(err.errno ?? '') || err.type === 'request-timeout' || err.type === 'system' || code === 'FETCH_ERROR') {
    return new AnimaError('EREGISTRY_UNREACHABLE', `The registry ${target.url} could not be reached (${code || err.type}: ${messageOf(e)})`, { hint: fix, details, cause: e });
  }
  if (/^E\d{3}$/.test(code)) {
    return new AnimaError('EREGISTRY_HTTP', `The registry ${target.url} answered HTTP ${code.slice(1)} for ${packageName}`, { hint: fix, details, cause: e });
  }
  return new AnimaError('EREGISTRY', `Fetching ${packageName} from ${target.url} failed: ${messageOf(e)}`, { hint: fix, details, cause: e });
}
