// Builds publishable packages of the reference runtime (test/fixtures/runtime) and of
// its one dependency. Tests publish many versions and deliberately broken variants, so
// package.json, npm-shrinkwrap.json and anima-fixture.json are generated here, never
// kept in the source folder.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PkgVariant =
  | 'ok'
  | 'no-anima-block'
  | 'main-escapes'
  | 'main-absolute'
  | 'main-missing'
  | 'wrong-contract'
  | 'engines-unsatisfiable'
  | 'bad-dependency';

export interface RuntimeFixtureOptions {
  name?: string; // default '@meetquinn/animactl'
  version: string;
  /** Runtime misbehaviour, see test/fixtures/runtime/web.js and agent.js. Default 'ok'. */
  web?: string;
  agent?: string;
  pkg?: PkgVariant;
  /** More fields for anima-fixture.json: slowStartMs, crashAfterMs, commit. */
  extra?: Record<string, unknown>;
  tinyDepVersion?: string; // default '1.0.0'
  /** More dependencies, resolved at install time (the shrinkwrap pins only the tiny dependency). */
  moreDependencies?: Record<string, string>;
  /** Ship npm-shrinkwrap.json (default true). Without one, the next version is planned from the installed tree. */
  shrinkwrap?: boolean;
}

export const REFERENCE_RUNTIME_SRC = fileURLToPath(new URL('../fixtures/runtime', import.meta.url));

const TINY_DEP = '@anima-fixtures/tiny-dep';
// Never published: installing with dev dependencies, or failing to resolve, must show.
const DEV_ONLY_DEP = '@anima-fixtures/dev-only-never-published';
const MISSING_DEP = '@anima-fixtures/does-not-exist';

// Only the web service's main is broken, so errors can be checked to name
// `anima.services.web.main`.
const BROKEN_WEB_MAIN: Partial<Record<PkgVariant, string>> = {
  'main-escapes': '../../outside.js',
  'main-absolute': '/etc/passwd',
  'main-missing': 'dist/nope.js',
};

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

function freshDir(outDir: string, prefix: string): string {
  mkdirSync(outDir, { recursive: true });
  return mkdtempSync(join(outDir, `${prefix.replace(/[@/]/g, '_')}-`));
}

export function buildRuntimePackage(outDir: string, opts: RuntimeFixtureOptions): string {
  const name = opts.name ?? '@meetquinn/animactl';
  const pkg = opts.pkg ?? 'ok';
  const dir = freshDir(outDir, `${name}-${opts.version}`);
  cpSync(REFERENCE_RUNTIME_SRC, dir, { recursive: true });
  writeJson(join(dir, 'anima-fixture.json'), { ...opts.extra, web: opts.web ?? 'ok', agent: opts.agent ?? 'ok' });

  const dep =
    pkg === 'bad-dependency'
      ? { name: MISSING_DEP, version: '1.0.0' }
      : { name: TINY_DEP, version: opts.tinyDepVersion ?? '1.0.0' };
  const dependencies = { [dep.name]: `^${dep.version}`, ...opts.moreDependencies };
  const devDependencies = { [DEV_ONLY_DEP]: '^1.0.0' };
  const engines = { node: pkg === 'engines-unsatisfiable' ? '>=99' : '>=20' };
  const anima = {
    contract: pkg === 'wrong-contract' ? 2 : 1,
    services: { web: { main: BROKEN_WEB_MAIN[pkg] ?? 'web.js' }, agent: { main: 'agent.js' } },
  };

  writeJson(join(dir, 'package.json'), {
    name,
    version: opts.version,
    description: 'Anima reference runtime (test fixture)',
    license: 'MIT',
    engines,
    files: ['web.js', 'agent.js', 'lib/', 'anima-fixture.json', 'npm-shrinkwrap.json'],
    dependencies,
    devDependencies,
    ...(pkg === 'no-anima-block' ? {} : { anima }),
  });
  // Hand-written, so it carries no resolved/integrity: the installer takes those from
  // the test registry. The root entry mirrors package.json, as npm writes it.
  if (opts.shrinkwrap === false) return dir;
  writeJson(join(dir, 'npm-shrinkwrap.json'), {
    name,
    version: opts.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name, version: opts.version, license: 'MIT', dependencies, devDependencies, engines },
      [`node_modules/${dep.name}`]: { version: dep.version },
    },
  });
  return dir;
}

const TINY_DEP_SOURCE = `'use strict';
// 90061000 -> '1d 1h 1m 1s', 61000 -> '1m 1s', 999 -> '0s'
function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const units = [['d', Math.floor(total / 86400)], ['h', Math.floor(total / 3600) % 24], ['m', Math.floor(total / 60) % 60]];
  const first = units.findIndex(([, n]) => n > 0);
  const shown = first === -1 ? [] : units.slice(first);
  return [...shown, ['s', total % 60]].map(([unit, n]) => n + unit).join(' ');
}
module.exports = { formatDuration };
`;

export function buildTinyDep(outDir: string, version = '1.0.0'): string {
  const dir = freshDir(outDir, `tiny-dep-${version}`);
  writeFileSync(join(dir, 'index.js'), TINY_DEP_SOURCE);
  writeJson(join(dir, 'package.json'), {
    name: TINY_DEP,
    version,
    description: 'Formats durations; the reference runtime depends on it (test fixture)',
    license: 'MIT',
    main: 'index.js',
    files: ['index.js'],
  });
  return dir;
}
