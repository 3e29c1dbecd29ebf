import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AnimaError } from './errors';
import { requireBundle } from './code-cache';

export type NpmEngine = typeof import('./npm-engine');
export type NpmFetch = typeof import('./npm-fetch');
export type NpmConfigLib = typeof import('./npm-config-lib');

/**
 * dist/<name>.cjs, beside the bundle that runs (dist/ for the CLI, the supervisor and its
 * children; dist/app/ for the app). `what` names it in the error for a broken build.
 */
export function bundleFile(name: string, what = "npm's engine"): string {
  const places = [join(__dirname, `${name}.cjs`), join(__dirname, '..', `${name}.cjs`)];
  // Run from source (the tests run main/core/*.ts in place): the build's. Never from a bundle: that would look outside the app.
  if (__filename.endsWith('.ts')) places.push(join(__dirname, '..', '..', 'dist', `${name}.cjs`));
  const found = places.find((f) => existsSync(f));
  if (!found) throw new AnimaError('EINSTALLER', `${what} (${name}.cjs) is missing beside ${__dirname}`, { hint: 'Run `npm run build`.' });
  return found;
}

/** dist/npm-engine.cjs: Arborist with pacote, for the dependency installer's child. */
export function npmEngineFile(): string {
  return bundleFile('npm-engine');
}

let fetcher: NpmFetch | undefined;

/** pacote and cacache, loaded on first use: only what talks to a registry pays for them. */
export function npmFetch(): NpmFetch {
  // A computed path, so that no bundle pulls them in.
  fetcher ??= requireBundle(bundleFile('npm-fetch')) as NpmFetch;
  return fetcher;
}

let configLib: NpmConfigLib | undefined;

/** npm's configuration reader (dist/npm-config.cjs), loaded on first use. */
export function npmConfigLib(): NpmConfigLib {
  configLib ??= requireBundle(bundleFile('npm-config', "npm's configuration reader")) as NpmConfigLib;
  return configLib;
}
