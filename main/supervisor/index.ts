import { parseArgs } from 'node:util';
import { appendFileSync, rmSync } from 'node:fs';
import { layout, resolveHome } from '../core/home';
import { acquireLock, describeHolder, readLockHolder } from '../core/lock';
import { ensureHomeDirs } from '../core/runtime-store';
import { AnimaError, isAnimaError, messageOf } from '../core/errors';
import { Supervisor } from './supervisor';
import { startControlServer, type Handlers } from './control-server';
import { PROTOCOL_VERSION, type Method } from '../shared/control-protocol';
import { ensureControlKey, ensurePrivateSocketDir, proveKey } from '../core/control-endpoint';
import { runsFromPackage, SUPERVISOR_LOCK } from '../core/supervisor-process';
import { redact } from '../core/redact';
import { policyFromEnv } from './restart-policy';
import { LogFollower } from './log-follower';
import { parseSettingValue, setSetting, updateConfig } from '../core/config';
import { rotateIfLarge, tailLines } from '../core/log-tail';

/**
 * The supervisor process: one per home, started on demand by the CLI or the tray app,
 * detached from both. It exits after `stop`, or when idle with nothing running; a
 * SIGTERM to it leaves the services running, to be adopted by the next supervisor.
 *
 * With `--foreground` (or ANIMA_SUPERVISOR_FOREGROUND=1, the way in through an AppImage)
 * it is a service manager's child instead (`animactl service install`): see parseCommandLine.
 */
const CHANGES_HOME = new Set<Method>(['start', 'stop', 'restart', 'upgrade', 'upgrade-offered']);
/** What a supervisor on its way out still answers: nothing that would start work. */
const STAYS_ANSWERED = new Set<Method>(['hello', 'ping', 'status', 'logs', 'shutdown']);
/** How long a stopped supervisor waits, at most, for clients that connected after its answer to ask. */
const STOP_NEWCOMERS_MAX_MS = 5000;
const USAGE_EXIT = 2;

/**
 * Foreground mode, for systemd, launchd and the Windows task scheduler, which restart what
 * fails and stop what they started:
 * - never idles out: the manager would read an exit as "the service ended";
 * - finding another supervisor on the home (one a client started on demand), it waits for
 *   it to exit and then takes over, rather than exiting: an exit would be either a failure
 *   (a restart loop against the lock) or a success (the unit dead, and nothing supervising
 *   the home at the next idle exit of the other one);
 * - SIGTERM (`systemctl stop`, logout, shutdown) drains and stops the services, then exits
 *   0; a failure exits 1 (restarted), bad arguments 2 (never restarted: RestartPreventExitStatus);
 * - started with the lock free (at boot or login), it starts the pinned version's services;
 *   after waiting for another supervisor it only adopts what that one left, so a user's
 *   `animactl stop` is not undone by the take-over.
 */
function parseCommandLine(): { home?: string; foreground: boolean } {
  try {
    const { values } = parseArgs({ options: { home: { type: 'string' }, foreground: { type: 'boolean' } }, strict: true });
    return { home: values.home, foreground: !!values.foreground || process.env.ANIMA_SUPERVISOR_FOREGROUND === '1' };
  } catch (e) {
    process.stderr.write(`supervisor: ${messageOf(e)}\n`);
    process.exit(USAGE_EXIT);
  }
}

async function main(): Promise<void> {
  // --home, or ANIMA_HOME (the only way in when started with `-e` from an AppImage).
  const { home: homeFlag, foreground } = parseCommandLine();
  const home = resolveHome(homeFlag);
  const paths = layout(home);
  ensureHomeDirs(paths);
  // Detached, stdout is logs/supervisor.log; under a service manager it is the journal, so the log file gets the lines too.
  const log = (msg: string) => {
    const line = `${new Date().toISOString()} [supervisor ${process.pid}${foreground ? ', foreground' : ''}] ${redact(msg)}\n`;
    process.stdout.write(line);
    if (foreground) {
      try {
        appendFileSync(paths.log('supervisor'), line);
      } catch {
        // The journal still has it.
      }
    }
  };

  const lockName = foreground ? SUPERVISOR_LOCK.foreground : SUPERVISOR_LOCK.detached;
  let instance;
  let waited = false;
  for (;;) {
    try {
      instance = acquireLock(paths.supervisorPid, lockName);
      break;
    } catch (e) {
      const busy = isAnimaError(e) && e.code === 'EBUSY';
      const holder = readLockHolder(paths.supervisorPid);
      if (!foreground || !busy) {
        log(`refusing to start: another supervisor already runs for ${home}${holder ? ` (${describeHolder(holder)})` : ''}`);
        process.exit(busy ? 3 : 1);
      }
      if (!waited) {
        log(`another supervisor runs for ${home}${holder ? ` (pid ${holder.pid})` : ''}: waiting for it to exit, then taking over`);
        process.on('SIGTERM', () => process.exit(0));
        process.on('SIGINT', () => process.exit(0));
      }
      waited = true;
      await new Promise((r) => setTimeout(r, Number(process.env.ANIMA_SUPERVISOR_WAIT_MS) || 1000));
    }
  }
  if (waited) {
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
  }

  // Before anyone can connect: the key that proves to clients that we are this home's supervisor.
  const controlKey = ensureControlKey(paths.run);

  const env = { ...process.env };
  delete env.ANIMA_SUPERVISOR_ENTRY;
  delete env.ANIMA_SUPERVISOR_FOREGROUND;
  // A test knob that parks upgrades: never honoured by a packaged app.
  if (runsFromPackage()) delete env.ANIMA_TEST_HOLD_STEP;
  const sup = new Supervisor({
    home,
    env,
    policy: policyFromEnv(process.env),
    webStartTimeoutMs: Number(process.env.ANIMA_WEB_START_TIMEOUT_MS) || 30_000,
    autoUpgradeTickMs: Number(process.env.ANIMA_AUTO_UPGRADE_TICK_MS) || 10_000,
  });
  const adopted = sup.recover();
  log(`started for ${home}${waited ? ' (took over)' : ''}${adopted.length ? `; adopted ${adopted.join(', ')}` : ''}`);

  /** Why the supervisor is leaving, once it is. */
  let exiting: string | null = null;
  // How long after answering a stop the supervisor leaves (ANIMA_STOP_GRACE_MS: tests on a loaded machine widen it).
  const stopGraceMs = Number(process.env.ANIMA_STOP_GRACE_MS) || 100;
  const exit = (code: number, why: string) => {
    if (exiting) return;
    exiting = why;
    log(`exiting: ${why}`);
    sup.dispose();
    control.server.close();
    if (process.platform !== 'win32') rmSync(paths.socket, { force: true });
    instance.release();
    setTimeout(() => process.exit(code), 50).unref();
  };

  /**
   * Stop means everything, the supervisor included: it leaves once the answer is out, unless
   * someone started something in the meantime. A client that connected after the answer
   * (`animactl stop && animactl start`: the start's CLI may connect within that moment) is
   * waited for first, so that its request is never answered by a supervisor on its way out;
   * once such clients are gone, and nothing runs, it leaves.
   */
  const leaveAfterStop = () => {
    const before = new Set(control.clients);
    // A command has asked by then; a window that subscribed meanwhile doesn't keep a stopped supervisor.
    const waitAtMost = Date.now() + STOP_NEWCOMERS_MAX_MS;
    const decide = () => {
      if (exiting || sup.busy || sup.running) return;
      if ([...control.clients].some((c) => !before.has(c)) && Date.now() < waitAtMost) setTimeout(decide, 100).unref();
      else exit(0, 'stopped by request');
    };
    setTimeout(decide, stopGraceMs);
  };

  const handlers: Handlers = {
    // The control server narrows a runtime's connection as it reads this request.
    hello: (params) => {
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
      leaveAfterStop();
      return outcome;
    },
    restart: (params) => sup.restart(params),
    verify: () => sup.verify(),
    logs: (params) => tailLines(paths.log(params.service), params.lines),
    'check-updates': () => sup.checkUpdates(),
    'skip-version': (params, client) => {
      if (client.role === 'runtime') sup.updates.assertOffered(params.version);
      return sup.updates.skip(params.version);
    },
    'upgrade-offered': (params) => sup.upgradeOffered(params.version),
    cancel: () => sup.cancel(),
    vitals: () => sup.vitals(),
    'config-get': () => sup.contextFor({}).config,
    'config-set': (params) => {
      const value = parseSettingValue(params.key, params.value);
      const config = updateConfig(paths.config, (c) => setSetting(c, params.key, value));
      sup.settingsChanged();
      return config;
    },
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
    control = await startControlServer(paths.socket, handlers, (method) => {
      // A client connected before the supervisor began to leave, asking now: its request would die with it.
      if (exiting && !STAYS_ANSWERED.has(method)) {
        throw new AnimaError('ESUPERVISOR_EXITING', `The supervisor for ${home} is exiting (${exiting}); "${method}" was not run`, { hint: 'Run the command again: it starts a new supervisor.' });
      }
      return CHANGES_HOME.has(method) ? sup.whenRecovered() : undefined;
    });
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
  // Housekeeping: services append to their logs by descriptor, so rotation copies and truncates.
  const logMaxBytes = Number(process.env.ANIMA_LOG_MAX_BYTES) || 10 * 1024 * 1024;
  setInterval(() => {
    for (const name of ['web', 'agent', 'supervisor']) {
      try {
        rotateIfLarge(paths.log(name), logMaxBytes);
      } catch {
        // Never a reason to disturb the services.
      }
    }
  }, 30_000).unref();
  sup.watched = () => [...control.clients].some((c) => c.subscribed);
  sup.on('state', (data) => control.broadcast({ event: 'state', data }));
  sup.on('progress', (data) => {
    log(`${data.operation}: ${data.message}`);
    control.broadcast({ event: 'progress', data });
  });

  // A predecessor killed mid-upgrade (or mid-stop) left its record: settle it before anything else.
  const resumed = sup.resumeInterrupted().then(
    (o) => o && log(`recovered an interrupted ${o.operation === 'stop' ? 'stop' : 'upgrade'}: ${o.message}`),
    (e) => log(`recovering an interrupted operation failed: ${messageOf(e)}`),
  );
  if (foreground && !waited) void resumed.then(() => startAtBoot(sup, log));

  // Update checks: periodic with jitter (and on demand); they publish, and the supervisor then prepares what they offer (prepare.ts), never activates it.
  const scheduleCheck = (first: boolean) => {
    const hours = sup.ctx.config.updates.checkIntervalHours;
    const base = first ? Number(process.env.ANIMA_FIRST_UPDATE_CHECK_MS ?? 15_000) : hours * 3600_000;
    const jitter = base * 0.1 * (Math.random() * 2 - 1);
    setTimeout(() => {
      void sup.checkUpdates().catch(() => {}).finally(() => scheduleCheck(false));
    }, Math.max(1000, base + jitter)).unref();
  };
  scheduleCheck(true);

  if (foreground) {
    // The service manager stops what it started: the services too, drained, before we go.
    const stopAll = (signal: string) => () => {
      if (exiting) return;
      log(`${signal}: stopping the services`);
      sup.stop({}).then(
        (o) => exit(0, `${signal} (${o.message})`),
        (e) => exit(0, `${signal} (the services could not be stopped: ${messageOf(e)})`),
      );
    };
    process.on('SIGTERM', stopAll('SIGTERM'));
    process.on('SIGINT', stopAll('SIGINT'));
  } else {
    process.on('SIGTERM', () => exit(0, 'SIGTERM (services left running)'));
    process.on('SIGINT', () => exit(0, 'SIGINT (services left running)'));
  }
  process.on('SIGHUP', () => {});
  process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${messageOf(e)}`));

  // Nothing to supervise, nobody connected, no operation: no reason to stay (unless a service manager keeps us).
  if (!foreground) exitWhenIdle(sup, control, exit);
  // Keep the event loop alive while idle-waiting.
  setInterval(() => {}, 1 << 30);
}

function exitWhenIdle(sup: Supervisor, control: { clients: Set<unknown> }, exit: (code: number, why: string) => void): void {
  const idleMs = Number(process.env.ANIMA_SUPERVISOR_IDLE_MS) || 60_000;
  let idleSince = Date.now();
  setInterval(() => {
    if (sup.running || sup.busy || control.clients.size > 0) idleSince = Date.now();
    else if (Date.now() - idleSince > idleMs) exit(0, 'idle with no services');
  }, 1000).unref();
}

/** A service manager starts us at boot or login: what should run, runs (the pinned version, or a development home's checkout). */
async function startAtBoot(sup: Supervisor, log: (msg: string) => void): Promise<void> {
  const { version, source } = sup.ctx.config.runtime;
  if (!version && !source) {
    log('nothing pinned in this home yet: no services to start (run `animactl start` once)');
    return;
  }
  try {
    log((await sup.start({})).message);
  } catch (e) {
    log(`starting the services failed: ${messageOf(e)}`);
  }
}

main().catch((e) => {
  process.stderr.write(`supervisor: ${e?.stack ?? e}\n`);
  process.exit(1);
});
