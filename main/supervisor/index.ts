import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { layout, resolveHome } from '../core/home';
import { acquireLock, describeHolder, readLockHolder } from '../core/lock';
import { ensureHomeDirs } from '../core/runtime-store';
import { isAnimaError, messageOf } from '../core/errors';
import { Supervisor } from './supervisor';
import { startControlServer, type Handlers } from './control-server';
import { PROTOCOL_VERSION, type Method } from '../shared/control-protocol';
import { ensureControlKey, ensurePrivateSocketDir, proveKey } from '../core/control-endpoint';
import { runsFromPackage } from '../core/supervisor-process';
import { redact } from '../core/redact';
import { policyFromEnv } from './restart-policy';
import { LogFollower } from './log-follower';

/**
 * The supervisor process: one per home, started on demand by the CLI or the tray app,
 * detached from both. It exits after `stop`, or when idle with nothing running; a
 * SIGTERM to it leaves the services running, to be adopted by the next supervisor.
 */
const CHANGES_HOME = new Set<Method>(['start', 'stop', 'restart', 'upgrade', 'upgrade-offered']);

async function main(): Promise<void> {
  // --home, or ANIMA_HOME (the only way in when started with `-e` from an AppImage).
  const { values } = parseArgs({ options: { home: { type: 'string' } }, strict: true });
  const home = resolveHome(values.home);
  const paths = layout(home);
  ensureHomeDirs(paths);
  // Registry errors quote URLs as npm got them: nothing with credentials reaches supervisor.log.
  const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} [supervisor ${process.pid}] ${redact(msg)}\n`);

  let instance;
  try {
    instance = acquireLock(paths.supervisorPid, 'supervisor');
  } catch (e) {
    const holder = readLockHolder(paths.supervisorPid);
    log(`refusing to start: another supervisor already runs for ${home}${holder ? ` (${describeHolder(holder)})` : ''}`);
    process.exit(isAnimaError(e) && e.code === 'EBUSY' ? 3 : 1);
  }

  // Before anyone can connect: the key that proves to clients that we are this home's supervisor.
  const controlKey = ensureControlKey(paths.run);

  const env = { ...process.env };
  delete env.ANIMA_SUPERVISOR_ENTRY;
  // A test knob that parks upgrades: never honoured by a packaged app.
  if (runsFromPackage()) delete env.ANIMA_TEST_HOLD_STEP;
  const sup = new Supervisor({
    home,
    env,
    policy: policyFromEnv(process.env),
    webStartTimeoutMs: Number(process.env.ANIMA_WEB_START_TIMEOUT_MS) || 30_000,
    logMaxBytes: Number(process.env.ANIMA_LOG_MAX_BYTES) || 10 * 1024 * 1024,
    autoUpgradeTickMs: Number(process.env.ANIMA_AUTO_UPGRADE_TICK_MS) || 10_000,
  });
  const adopted = sup.recover();
  log(`started for ${home}${adopted.length ? `; adopted ${adopted.join(', ')}` : ''}`);

  let exiting = false;
  const exit = (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    log(`exiting: ${why}`);
    sup.dispose();
    control.server.close();
    if (process.platform !== 'win32') rmSync(paths.socket, { force: true });
    instance.release();
    setTimeout(() => process.exit(code), 50).unref();
  };

  const handlers: Handlers = {
    hello: (params, client) => {
      // A role only narrows: once a runtime, a connection stays one.
      if (params.role === 'runtime') client.role = 'runtime';
      return { protocol: PROTOCOL_VERSION, pid: process.pid, home, ...(params.challenge ? { proof: proveKey(controlKey, params.challenge) } : {}) };
    },
    ping: () => ({ pid: process.pid, home }),
    status: () => sup.status(),
    subscribe: (params, client) => {
      client.subscribed = true;
      client.logs = !!params.logs;
      if (client.logs) logFollower.start();
      return sup.status();
    },
    start: (params) => sup.start(params),
    stop: async (params) => {
      const outcome = await sup.stop(params);
      // Stop means everything, the supervisor included; leave once the answer is out,
      // unless another client has started something in the meantime.
      setTimeout(() => {
        if (!sup.busy && !sup.running) exit(0, 'stopped by request');
      }, 100);
      return outcome;
    },
    restart: (params) => sup.restart(params),
    verify: () => sup.verify(),
    logs: (params) => sup.logs(params.service, params.lines),
    'check-updates': () => sup.checkUpdates(),
    'skip-version': (params, client) => {
      if (client.role === 'runtime') sup.assertOffered(params.version);
      return sup.skipVersion(params.version);
    },
    'upgrade-offered': (params) => sup.upgradeOffered(params.version),
    cancel: () => sup.cancel(),
    'config-get': () => sup.getConfig(),
    'config-set': (params) => sup.setConfig(params.key, params.value),
    upgrade: (params) => sup.upgrade(params),
    shutdown: () => {
      setTimeout(() => exit(0, 'shutdown requested (services left running)'), 100);
      return { ok: true };
    },
  };
  // Requests that change the home wait until an interrupted operation is settled, rather than being refused.
  let control: Awaited<ReturnType<typeof startControlServer>>;
  try {
    ensurePrivateSocketDir(paths.socket, paths.run);
    control = await startControlServer(paths.socket, handlers, (method) => (CHANGES_HOME.has(method) ? sup.whenRecovered() : undefined));
  } catch (e) {
    // Clients see "exited while starting" and are pointed at this log: say here what went wrong.
    log(`cannot listen for clients on ${paths.socket}: ${messageOf(e)}`);
    sup.dispose();
    instance.release();
    process.exit(1);
  }
  const logFollower = new LogFollower(
    Object.fromEntries(['web', 'agent', 'supervisor'].map((n) => [n, paths.log(n)])),
    () => [...control.clients].some((c) => c.subscribed && c.logs),
    (service, line) => control.broadcast({ event: 'log', data: { service, line } }),
  );
  sup.on('state', (data) => control.broadcast({ event: 'state', data }));
  sup.on('progress', (data) => {
    log(`${data.operation}: ${data.message}`);
    control.broadcast({ event: 'progress', data });
  });

  // A predecessor killed mid-upgrade (or mid-stop) left its record: settle it before anything else.
  void sup.resumeInterrupted().then(
    (o) => o && log(`recovered an interrupted ${o.operation === 'stop' ? 'stop' : 'upgrade'}: ${o.message}`),
    (e) => log(`recovering an interrupted operation failed: ${messageOf(e)}`),
  );

  // Update checks: periodic with jitter (and on demand); they publish, never install.
  const scheduleCheck = (first: boolean) => {
    const hours = sup.ctx.config.updates.checkIntervalHours;
    const base = first ? Number(process.env.ANIMA_FIRST_UPDATE_CHECK_MS ?? 15_000) : hours * 3600_000;
    const jitter = base * 0.1 * (Math.random() * 2 - 1);
    setTimeout(() => {
      void sup.checkUpdates().catch(() => {}).finally(() => scheduleCheck(false));
    }, Math.max(1000, base + jitter)).unref();
  };
  scheduleCheck(true);

  process.on('SIGTERM', () => exit(0, 'SIGTERM (services left running)'));
  process.on('SIGINT', () => exit(0, 'SIGINT (services left running)'));
  process.on('SIGHUP', () => {});
  process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${messageOf(e)}`));

  // Nothing to supervise, nobody connected, no operation: no reason to stay.
  const idleMs = Number(process.env.ANIMA_SUPERVISOR_IDLE_MS) || 60_000;
  let idleSince = Date.now();
  setInterval(() => {
    if (sup.running || sup.busy || control.clients.size > 0) idleSince = Date.now();
    else if (Date.now() - idleSince > idleMs) exit(0, 'idle with no services');
  }, 1000).unref();
  // Keep the event loop alive while idle-waiting.
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  process.stderr.write(`supervisor: ${e?.stack ?? e}\n`);
  process.exit(1);
});
