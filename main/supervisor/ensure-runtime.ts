import type { Context } from '../core/context';
import { reconcileCurrent } from '../core/installer';
import { isInstalled } from '../core/runtime-store';
import { assertCurrentInsideHome, checkSource } from '../core/runtime-source';
import type { RegistryTask } from './registry-task';

/** Installs through the registry worker, relaying its progress; answers the installed version. */
export type Installer = (task: Extract<RegistryTask, { task: 'install' }>) => Promise<{ version: string }>;

/**
 * The version a start or restart runs: a development home's checkout; else the pin
 * (reinstalled if runtime/ was deleted); else, on a first start, the requested version or
 * the channel's, installed now. `protect` names versions that run and must not be pruned.
 */
export async function ensureRuntime(
  ctx: Context,
  requested: string | undefined,
  o: { progress: (step: string, message: string, data?: Record<string, unknown>) => void; protect: string[]; install: Installer },
): Promise<string> {
  if (ctx.config.runtime.source) return checkSource(ctx);
  assertCurrentInsideHome(ctx);
  reconcileCurrent(ctx);
  const pin = ctx.config.runtime.version;
  if (pin && !requested) {
    if (!isInstalled(ctx.paths, ctx.packageName, pin)) {
      o.progress('installing', `Reinstalling the pinned version ${pin}`);
      await o.install({ task: 'install', spec: pin });
    }
    return pin;
  }
  return (await o.install({ task: 'install', spec: requested, protect: o.protect, announce: true })).version;
}
