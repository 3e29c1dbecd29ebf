import type { Context } from '../../core/context';
import { withFirstRunCleanup } from '../../core/first-run';
import { checkSpec, describeInstallProgress, installVersion, reconcileCurrent } from '../../core/installer';
import { runtimeStatus as readRuntimeStatus } from '../../core/status';
import { channelVersion } from '../../core/update-check';
import { contextFor, defineCommand, JSON_OPTION, refuseInDevelopmentHome, TARGET_OPTIONS, targetOf, withLock } from '../command';
import { runningVersion } from '../supervisor-client';

export const runtimeStatus = defineCommand({
  name: 'runtime status',
  summary: 'package, registry, channel, current (what runs), pinned (the next start) and installed versions',
  usage: 'animactl runtime status [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const ctx = contextFor(inv);
    const s = await readRuntimeStatus(ctx);
    // `current` is what runs while services run: an install meanwhile moves only the pin.
    const running = await runningVersion(inv);
    const current = running ?? s.current;
    if (inv.options.json) {
      inv.out.json({ ...s, current, running });
      return 0;
    }
    inv.out.out(`package    ${s.package}`);
    inv.out.out(`registry   ${s.registry}  (from ${s.registrySource})`);
    inv.out.out(`channel    ${s.channel}`);
    inv.out.out(`current    ${current ?? '(none)'}${running ? ' (running)' : ''}`);
    inv.out.out(`pinned     ${s.pinned ?? '(none)'}${running && s.pinned && s.pinned !== running ? ' (runs after the next restart)' : ''}`);
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
  summary: 'install and pin a version without restarting running services (--channel picks the version; the channel setting stays)',
  usage: 'animactl runtime install [--channel C] [--version V]',
  options: TARGET_OPTIONS,
  async run(inv) {
    const { channel, version } = targetOf(inv);
    const ctx = contextFor(inv, { channel });
    refuseInDevelopmentHome(ctx, 'runtime install');
    const running = await runningVersion(inv);
    const result = await withFirstRunCleanup(ctx.home, () =>
      withLock(ctx, 'install', async () => {
        reconcileCurrent(ctx);
        const spec = await targetSpec(ctx, version);
        // What runs must stay on disk until the next restart moves off it.
        return installVersion(ctx, spec, { protect: running ? [running] : [], onProgress: (p) => inv.out.progress(describeInstallProgress(p)) });
      }),
    );
    inv.out.endProgress();
    inv.out.out(
      result.alreadyInstalled
        ? `${result.package}@${result.version} was already installed; it is pinned.`
        : `Installed and pinned ${result.package}@${result.version}.`,
    );
    if (running && running !== result.version) inv.out.out(`${running} keeps running until the next restart (\`animactl restart\`), which starts ${result.version}.`);
    if (channel && channel !== ctx.config.channel) {
      inv.out.out(`The home stays on the ${ctx.config.channel} channel (--channel only picked the version); \`animactl config set channel ${channel}\` switches it.`);
    }
    if (result.pruned.length) inv.out.out(`Removed old versions: ${result.pruned.join(', ')}.`);
    return 0;
  },
});
