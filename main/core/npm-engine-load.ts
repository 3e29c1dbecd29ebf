import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AnimaError } from './errors';

export type NpmEngine = typeof import('./npm-engine');
export type NpmFetch = typeof import('./npm-fetch');

/**
 * dist/<name>.cjs, beside the bundle that runs (dist/ for the CLI, the supervisor and its
 * children; dist/app/ for the app). `what` names it in the error for a broken build.
 */
export function bundleFile(name: string, what = "npm's engine"): string {
  const found = [join(__dirname, `${name}.cjs`), join(__dirname, '..', `${name}.cjs`)].find((f) => existsSync(f));
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
  fetcher ??= createRequire(__filename)(bundleFile('npm-fetch')) as NpmFetch;
  return fetcher;
}
