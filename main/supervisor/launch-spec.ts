import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../core/context';
import { checkDeclaration, type ServiceName } from '../core/runtime-contract';
import { nodeCommand } from '../core/supervisor-process';
import { runtimeDirFor } from '../core/runtime-source';
import { scrubbedEnv } from '../core/child-env';
import { ensurePrivateFile } from '../core/home';
import type { LaunchSpec } from './service';

/**
 * How a service is launched (runtime contract §2): `<node> <runtime dir>/<main>` with the
 * home as working directory, output appended to logs/<service>.log, and an allowlist of
 * the manager's environment (never its npm config, tokens or NODE_OPTIONS: see
 * core/child-env.ts) plus the contract's variables. The runtime dir is the version's
 * real folder, never the `current` link that a later install may move.
 */
export function launchSpec(ctx: Context, name: ServiceName, version: string, baseEnv: NodeJS.ProcessEnv): LaunchSpec {
  const runtimeDir = runtimeDirFor(ctx, version);
  const decl = checkDeclaration(JSON.parse(readFileSync(join(runtimeDir, 'package.json'), 'utf8')), process.versions.node);
  const node = nodeCommand();
  const port = ctx.webPort;
  // The service appends to its log by descriptor: create it 0600 before anyone opens it 0644.
  ensurePrivateFile(ctx.paths.log(name));
  return {
    command: node.command,
    args: [join(runtimeDir, decl.mains[name])],
    cwd: ctx.home,
    env: {
      ...scrubbedEnv(baseEnv),
      ...node.env,
      ANIMA_HOME: ctx.home,
      ANIMA_ENV: ctx.environment,
      ANIMA_SERVICE: name,
      ANIMA_RUNTIME_DIR: runtimeDir,
      ANIMA_RUNTIME_VERSION: version,
      ANIMA_WEB_PORT: String(port),
      ANIMA_WEB_URL: `http://127.0.0.1:${port}`,
      // Both services may talk to the supervisor (runtime contract §7, docs/control-protocol.md).
      ANIMA_CONTROL_SOCKET: ctx.paths.socket,
    },
    logFile: ctx.paths.log(name),
    pidFile: ctx.paths.pidFile(name),
    version,
    runtimeDir,
  };
}
