// `animactl service install | uninstall | status`: the home's supervisor under the OS's
// own service manager, so Anima starts at boot or login without the app (main/service/).
import { foregroundSpec, install, realHost, serviceStatus, uninstall, type ServiceStatus } from '../../service/manager';
import { contextFor, defineCommand, homeLayout, JSON_OPTION } from '../command';
import type { Output } from '../output';

const SHELL_ONLY = [
  ['ANIMA_REGISTRY', 'runtime.registry'],
  ['ANIMA_RUNTIME_PACKAGE', 'runtime.package'],
  ['ANIMA_WEB_PORT', 'web.port'],
] as const;

const KIND_NAMES = { systemd: 'systemd user unit', launchd: 'launchd LaunchAgent', schtasks: 'Windows scheduled task' } as const;

export const serviceInstall = defineCommand({
  name: 'service install',
  summary: "start this home's supervisor at boot or login with the OS's service manager",
  usage: 'animactl service install [--home PATH] [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const ctx = contextFor(inv);
    const spec = foregroundSpec(ctx.paths, ctx.config.drainTimeoutSeconds, inv.env);
    const r = install(ctx.paths, spec, realHost(inv.env));
    if (inv.options.json) {
      inv.out.json(r);
      return 0;
    }
    inv.out.out(`Wrote the ${KIND_NAMES[r.kind]} ${r.file}`);
    if (r.registered) inv.out.out(`Registered and started ${r.name}: ${ctx.home} now starts with your ${r.kind === 'systemd' ? 'user session' : 'login'}.`);
    else {
      inv.out.err(`Not registered yet: ${r.problem}.`);
      inv.out.err('Run, in your own session:');
      for (const t of r.todo) inv.out.err(`  ${t}`);
    }
    for (const n of r.notes) inv.out.err(`Note: ${n}`);
    // Not copied into the unit: a registry URL may carry credentials, and a unit file is world-readable.
    for (const [name, key] of SHELL_ONLY) {
      // The value is not echoed either: a registry URL may hold a password.
      if (inv.env[name]) inv.out.err(`Note: ${name} is set in this shell, but the service won't see it; to keep it, run \`animactl config set ${key} VALUE${inv.options.home ? ` --home ${ctx.home}` : ''}\`.`);
    }
    // Written but not registered is still a success of this command: the file is the part only we can do.
    return 0;
  },
});

export const serviceUninstall = defineCommand({
  name: 'service uninstall',
  summary: "remove this home's supervisor from the OS's service manager (stops what it runs)",
  usage: 'animactl service uninstall [--home PATH] [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const paths = homeLayout(inv);
    const r = uninstall(paths, realHost(inv.env));
    if (inv.options.json) inv.out.json(r);
    else {
      inv.out.out(r.removed ? `Removed ${r.file}` : `Nothing was registered for ${paths.home} (no ${r.file}).`);
      if (r.problem) {
        inv.out.err(`The service manager could not be told: ${r.problem}. Run, in your own session:`);
        for (const t of r.todo) inv.out.err(`  ${t}`);
      }
    }
    return r.problem ? 1 : 0;
  },
});

export const serviceStatusCommand = defineCommand({
  name: 'service status',
  summary: "whether this home's supervisor is registered with the OS's service manager, and what runs",
  usage: 'animactl service status [--home PATH] [--json]',
  options: JSON_OPTION,
  async run(inv) {
    const s = serviceStatus(homeLayout(inv), realHost(inv.env));
    if (inv.options.json) inv.out.json(s);
    else printServiceStatus(s, inv.out);
    // Registered, as far as anyone can tell: the file is there and the manager, if it could be asked, has it.
    return s.present && s.registered !== false ? 0 : 1;
  },
});

function printServiceStatus(s: ServiceStatus, out: Output): void {
  out.out(`service     ${s.name} (${KIND_NAMES[s.kind]})`);
  out.out(`file        ${s.file} (${s.present ? 'present' : 'absent'})`);
  const registered = s.registered === null ? `unknown: ${s.problem}` : s.registered ? 'yes' : 'no';
  out.out(`registered  ${registered}`);
  if (s.manager) out.out(`manager     ${s.manager.state}${s.manager.pid ? `, pid ${s.manager.pid}` : ''}`);
  const sup = s.supervisor;
  if (!sup) out.out('supervisor  not running');
  else {
    out.out(`supervisor  pid ${sup.pid} since ${sup.startedAt}, started ${sup.by === 'client' ? 'on demand by a client' : 'by the service manager'}`);
    // The service's supervisor waits for an on-demand one to exit, then takes over: say so rather than look broken.
    if (sup.by === 'client' && s.manager?.pid && s.manager.pid !== sup.pid) out.out(`            the service's own (pid ${s.manager.pid}) waits for it to exit, then takes over`);
  }
}
