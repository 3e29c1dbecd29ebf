import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep, win32 } from 'node:path';
import semver from 'semver';
import { AnimaError } from './errors';

export const SERVICES = ['web', 'agent'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface RuntimeDeclaration {
  name: string;
  version: string;
  /** Each service's main, relative to the package root, as declared. */
  mains: Record<ServiceName, string>;
  enginesNode?: string;
}

function invalid(pkg: string, field: string, problem: string): AnimaError {
  return new AnimaError('ECONTRACT', `${pkg} is not a valid Anima runtime: ${field} ${problem}`, {
    hint: 'This version can not be installed. Use another version, or ask its publisher to follow the runtime contract (§1).',
    details: { package: pkg, field },
  });
}

/**
 * Contract §1, the part that can be checked from package.json alone: run before
 * anything is downloaded, so a broken version fails fast and touches nothing.
 */
export function checkDeclaration(manifest: Record<string, unknown>, nodeVersion: string): RuntimeDeclaration {
  const name = String(manifest.name ?? '?');
  const version = String(manifest.version ?? '?');
  const pkg = `${name}@${version}`;
  const anima = manifest.anima as Record<string, unknown> | undefined;
  if (typeof anima !== 'object' || anima === null || Array.isArray(anima)) throw invalid(pkg, '"anima"', 'is missing from package.json');
  if (anima.contract !== 1) throw invalid(pkg, '"anima.contract"', `must be 1, found ${JSON.stringify(anima.contract)}`);
  const services = anima.services as Record<string, unknown> | undefined;
  if (typeof services !== 'object' || services === null) throw invalid(pkg, '"anima.services"', 'is missing');
  const mains = {} as Record<ServiceName, string>;
  for (const s of SERVICES) {
    const field = `"anima.services.${s}.main"`;
    const decl = services[s] as Record<string, unknown> | undefined;
    const main = decl?.main;
    if (typeof main !== 'string' || main.trim() === '') throw invalid(pkg, field, 'is missing');
    if (isAbsolute(main) || win32.isAbsolute(main)) throw invalid(pkg, field, `"${main}" is an absolute path; it must be relative to the package`);
    const norm = normalize(main);
    if (norm === '..' || norm.startsWith(`..${sep}`) || norm.split(/[\\/]/).includes('..')) throw invalid(pkg, field, `"${main}" escapes the package`);
    mains[s] = main;
  }
  const engines = manifest.engines as Record<string, unknown> | undefined;
  const enginesNode = typeof engines?.node === 'string' ? engines.node : undefined;
  if (enginesNode !== undefined) {
    if (!semver.validRange(enginesNode)) throw invalid(pkg, '"engines.node"', `"${enginesNode}" is not a semver range`);
    if (!semver.satisfies(nodeVersion, enginesNode, { includePrerelease: true })) {
      throw new AnimaError('EENGINE', `${pkg} needs Node ${enginesNode}, but the services would run on Node ${nodeVersion}`, {
        hint: 'Pick a version of the runtime that supports this Node, or run Anima Desktop with a newer Node.',
        details: { package: pkg, field: 'engines.node', required: enginesNode, actual: nodeVersion },
      });
    }
  }
  return { name, version, mains, enginesNode };
}

/** The rest of §1, once the package is on disk: every main exists, is a file, and (links resolved) stays inside. */
export function checkInstalledFiles(dir: string, decl: RuntimeDeclaration): Record<ServiceName, string> {
  const root = realpathSync(dir);
  const pkg = `${decl.name}@${decl.version}`;
  const resolved = {} as Record<ServiceName, string>;
  for (const s of SERVICES) {
    const field = `"anima.services.${s}.main"`;
    const path = join(root, decl.mains[s]);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw invalid(pkg, field, `names "${decl.mains[s]}", which does not exist in the package`);
    }
    const rel = relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) throw invalid(pkg, field, `"${decl.mains[s]}" leads outside the package (through a link)`);
    if (!statSync(real).isFile()) throw invalid(pkg, field, `"${decl.mains[s]}" is not a file`);
    resolved[s] = real;
  }
  return resolved;
}
