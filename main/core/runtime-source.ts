import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { AnimaError, errorCode } from './errors';
import type { Context } from './context';
import { checkDeclaration, checkInstalledFiles } from './runtime-contract';

/**
 * Where a home's services get their code. A stable or canary home runs only versions
 * installed inside its own runtime/versions/ (so rebuilding a checkout can never change
 * what it serves); a development home (runtime.source) runs its checkout in place.
 */
export function runtimeDirFor(ctx: Context, version: string): string {
  const source = ctx.config.runtime.source;
  if (source) return realpathSync(resolve(ctx.home, source));
  const dir = realpathSync(ctx.paths.version(version));
  const root = realpathSync(ctx.paths.versions);
  if (!dir.startsWith(root + sep)) {
    throw new AnimaError('EOUTSIDE_HOME', `${ctx.paths.version(version)} leads to ${dir}, outside ${ctx.paths.versions}: a ${ctx.environment} home only runs versions installed in it`, {
      hint: `Remove that link and reinstall with \`animactl runtime install --version ${version}\`; to run a checkout, use a development home: \`animactl start --dev <checkout>\`.`,
      details: { path: ctx.paths.version(version), target: dir },
    });
  }
  return dir;
}

/** `current` must point into runtime/versions/ on a stable or canary home; a link into a checkout is refused, not followed. */
export function assertCurrentInsideHome(ctx: Context): void {
  if (ctx.config.runtime.source) return;
  let target: string;
  try {
    if (!lstatSync(ctx.paths.current).isSymbolicLink()) return;
    target = resolve(ctx.paths.runtime, readlinkSync(ctx.paths.current));
  } catch {
    return;
  }
  if (!target.startsWith(ctx.paths.versions + sep)) {
    throw new AnimaError('EOUTSIDE_HOME', `${ctx.paths.current} points at ${target}, outside ${ctx.paths.versions}: a ${ctx.environment} home never runs code from a checkout`, {
      hint: `Remove the link (rm ${ctx.paths.current}); the next start re-creates it from the pin. To run a checkout, use a development home: \`animactl start --dev ${target}\`.`,
      details: { current: ctx.paths.current, target },
    });
  }
}

/** A development home's checkout, checked against the contract like any package; returns its version. */
export function checkSource(ctx: Context): string {
  const source = resolve(ctx.home, ctx.config.runtime.source!);
  let dir: string;
  try {
    dir = realpathSync(source);
  } catch (e) {
    throw new AnimaError('ESOURCE', `The development checkout ${source} (runtime.source in ${ctx.paths.config}) cannot be read: ${errorCode(e) === 'ENOENT' ? 'it does not exist' : (e as Error).message}`, {
      hint: 'Fix the path with `animactl config set runtime.source <checkout>`.',
      details: { source },
    });
  }
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch (e) {
    throw new AnimaError('ESOURCE', `The development checkout ${dir} has no readable package.json: ${(e as Error).message}`, { details: { source: dir } });
  }
  const decl = checkDeclaration(manifest, process.versions.node);
  checkInstalledFiles(dir, decl);
  return decl.version;
}
