import { updateConfig } from '../../core/config';
import type { Context } from '../../core/context';
import { withFirstRunCleanup } from '../../core/first-run';
import { checkSpec, describeInstallProgress, installVersion, reconcileCurrent } from '../../core/installer';
import { runtimeStatus as readRuntimeStatus } from '../../core/status';
import { channelVersion } from '../../core/update-check';
import { contextFor, defineCommand, JSON_OPTION, TARGET_OPTIONS, targetOf, withLock } from '../command';

export const runtimeStatus = defineCommand({
  name: 'runtime status',
  summary: 'package, registry, channel, current, pinned and installed versions',
  usage: 'animactl runtime status [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const s = await readRuntimeStatus(contextFor(inv));
    if (inv.options.json) {
      inv.out.json(s);
      return 0;
    }
    inv.out.out(`package    ${s.package}`);
    inv.out.out(`registry   ${s.registry}  (from ${s.registrySource})`);
    inv.out.out(`channel    ${s.channel}`);
    inv.out.out(`current    ${s.current ?? '(none)'}`);
    inv.out.out(`pinned     ${s.pinned ?? '(none)'}`);
    inv.out.out(`installed  ${s.installed.length ? s.installed.join(', ') : '(none)'}`);
    return 0;
  },
});

/** The version an install should target: --version, else the channel's dist-tag (resolved by the registry, checked by the policy). */
async function targetSpec(ctx: Context, version: string | undefined): Promise<string> {
  return version !== undefined ? checkSpec(version) : channelVersion(ctx);
}

export const runtimeInstall = defineCommand({
  name: 'runtime install',
  summary: 'install and pin a version without restarting running services',
  usage: 'animactl runtime install [--channel C] [--version V]',
  options: TARGET_OPTIONS,
  async run(inv) {
    const { channel, version } = targetOf(inv);
    const ctx = contextFor(inv, { channel });
    const result = await withFirstRunCleanup(ctx.home, () =>
      withLock(ctx, 'install', async () => {
        reconcileCurrent(ctx);
        const spec = await targetSpec(ctx, version);
        const r = await installVersion(ctx, spec, { onProgress: (p) => inv.out.progress(describeInstallProgress(p)) });
        // Opting into a channel on install is a setting change, made only once the install worked.
        if (channel && channel !== ctx.config.channel) updateConfig(ctx.paths.config, (c) => void (c.channel = channel));
        return r;
      }),
    );
    inv.out.endProgress();
    inv.out.out(
      result.alreadyInstalled
        ? `${result.package}@${result.version} was already installed; it is pinned.`
        : `Installed and pinned ${result.package}@${result.version}.`,
    );
    if (result.pruned.length) inv.out.out(`Removed old versions: ${result.pruned.join(', ')}.`);
    return 0;
  },
});
