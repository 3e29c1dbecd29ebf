import type { Context } from '../core/context';
import { describeInstallProgress, installVersion, reconcileCurrent, type InstallProgress } from '../core/installer';
import { isInstalled } from '../core/runtime-store';
import { assertCurrentInsideHome, checkSource } from '../core/runtime-source';
import { channelVersion } from '../core/update-check';

/**
 * The version a start or restart runs: a development home's checkout; else the pin
 * (reinstalled if runtime/ was deleted); else, on a first start, the requested version or
 * the channel's, installed now. `protect` names versions that run and must not be pruned.
 */
export async function ensureRuntime(
  ctx: Context,
  requested: string | undefined,
  o: { progress: (step: string, message: string, data?: Record<string, unknown>) => void; protect: string[] },
): Promise<string> {
  if (ctx.config.runtime.source) return checkSource(ctx);
  assertCurrentInsideHome(ctx);
  reconcileCurrent(ctx);
  const pin = ctx.config.runtime.version;
  const onProgress = (p: InstallProgress) => o.progress(p.step, describeInstallProgress(p), { ...p });
  if (pin && !requested) {
    if (!isInstalled(ctx.paths, ctx.packageName, pin)) {
      o.progress('installing', `Reinstalling the pinned version ${pin}`);
      await installVersion(ctx, pin, { onProgress });
    }
    return pin;
  }
  const spec = requested ?? (await channelVersion(ctx));
  o.progress('installing', `Installing ${ctx.packageName}@${spec} (${ctx.channel}) from ${(await ctx.registry()).url}`);
  return (await installVersion(ctx, spec, { onProgress, protect: o.protect })).version;
}
