// The supervisor killed (SIGKILL) at every step the upgrade transaction records in
// run/operation.json. The next supervisor must finish or roll back what it finds,
// never leave the home in between: on 1.1.0 verified if the upgrade had been
// verified, else on 1.0.0 verified. ANIMA_TEST_HOLD_STEP=<step> (a supervisor test
// hook) parks the upgrade right after it recorded <step>, so the kill lands there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, startWorld, type World } from '../helpers/world';
import { audit, enqueue, problems } from '../helpers/reference-queue';
import { waitFor } from '../helpers/wait';
import { expectRunningVerified, output, pinAndCurrent, startAt, status, type Supervised } from './lib';
import { UPGRADE_PHASES } from '../../main/supervisor/upgrade-phase';

// Every phase the upgrade itself records (rolling-back is the recovery's own, tested below).
const STEPS = UPGRADE_PHASES.filter((p) => p !== 'rolling-back');

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

function readOperation(home: string): Record<string, any> | null {
  try {
    return JSON.parse(readFileSync(join(home, 'run', 'operation.json'), 'utf8'));
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/**
 * Runs `animactl <args>` in the background until run/operation.json satisfies `ready`,
 * then SIGKILLs the home's supervisor (and the CLI) right there. Returns the record seen.
 */
async function killSupervisorWhen(h: Supervised, args: string[], extraEnv: NodeJS.ProcessEnv, ready: (op: Record<string, any> | null) => boolean, what: string): Promise<Record<string, any>> {
  const cli = spawn(process.execPath, [CLI, ...args], { env: { ...world.env, ...h.env, ...extraEnv }, stdio: 'ignore' });
  let supervisor = 0;
  let op: Record<string, any>;
  try {
    op = await waitFor(() => {
      const o = readOperation(h.home);
      return ready(o) ? o : null;
    }, { what, timeoutMs: 30_000 });
    supervisor = JSON.parse(readFileSync(join(h.home, 'run', 'supervisor.pid'), 'utf8')).pid;
    process.kill(supervisor, 'SIGKILL');
    cli.kill('SIGKILL');
    await exited(cli);
  } finally {
    cli.kill('SIGKILL');
  }
  await waitFor(() => !alive(supervisor), { what: 'the killed supervisor to be gone' });
  return op!;
}

/** A new supervisor (started by `start`, which waits for it) has settled the interrupted operation. */
async function startAndWaitRecovered(h: Supervised): Promise<void> {
  const r = await world.cli(['start', '--no-browser'], { home: h.home, env: h.env });
  expect(r.code, output(r)).toBe(0);
  await waitFor(async () => !existsSync(join(h.home, 'run', 'operation.json')) && (await status(world, h)).operation === null, {
    what: 'the recovery to finish',
    timeoutMs: 30_000,
  });
}

describe('an upgrade interrupted by a supervisor crash', () => {
  for (const step of STEPS) {
    const expected = step === 'verified' ? '1.1.0' : '1.0.0';
    it(`killed at "${step}": the next supervisor leaves the home on ${expected}, verified`, async () => {
      const h: Supervised = await world.supervisedHome();
      // The supervisor `start` spawns inherits the hook.
      await startAt(world, h, '1.0.0', { ANIMA_TEST_HOLD_STEP: step });
      const op = await killSupervisorWhen(h, ['upgrade'], {}, (o) => o?.kind === 'upgrade' && o.step === step, `run/operation.json to record the upgrade at "${step}"`);
      expect(op.from).toBe('1.0.0');
      // Killed mid-way, the record is still there for the next supervisor.
      expect(readOperation(h.home)).toMatchObject({ kind: 'upgrade', step });

      // A new supervisor (no hook this time) finds the record and recovers.
      await startAndWaitRecovered(h);
      const supervisorLog = readFileSync(join(h.home, 'logs', 'supervisor.log'), 'utf8');
      expect(supervisorLog).toMatch(/recovered an interrupted upgrade/);

      await expectRunningVerified(world, h, expected);
    });
  }

  // Past "verified", the services of a home that was stopped before the upgrade are
  // stopped again (a drain, which takes as long as the agent's current step). The
  // upgrade was verified: a crash there must keep 1.1.0, not roll it back.
  it('killed while stopping the services again after a verified upgrade of a stopped home: keeps 1.1.0', async () => {
    const h: Supervised = await world.supervisedHome();
    const install = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home: h.home, env: h.env });
    expect(install.code, output(install)).toBe(0);
    // The 1.1.0 agent started for the verification claims this item, and its first step outlasts the checks.
    const items = [{ id: 'long-step', steps: 2, stepMs: 2500 }];
    enqueue(h.home, items[0]);

    await killSupervisorWhen(h, ['upgrade'], {}, (o) => {
      let agent: { version?: string } = {};
      let activity: { state?: string } = {};
      try {
        agent = JSON.parse(readFileSync(join(h.home, 'run', 'agent.pid'), 'utf8'));
        activity = JSON.parse(readFileSync(join(h.home, 'run', 'agent-status.json'), 'utf8'));
      } catch {}
      // Draining the 1.1.0 agent: only the stop after the verification does that.
      return o?.kind === 'upgrade' && o.step === 'verified' && agent.version === '1.1.0' && activity.state === 'draining';
    }, 'the upgrade to drain the 1.1.0 agent after verifying it');
    await startAndWaitRecovered(h);
    expect(pinAndCurrent(h.home)).toEqual({ pin: '1.1.0', current: '1.1.0' });
    await expectRunningVerified(world, h, '1.1.0');
    const done = await waitFor(() => {
      const a = audit(h.home);
      return a.done.length === 1 ? a : null;
    }, { what: 'the item to be done', timeoutMs: 30_000 });
    expect(problems(done, items)).toEqual([]);
  });

  it('a recovery that is itself killed is finished by the next supervisor the same way', async () => {
    const h: Supervised = await world.supervisedHome();
    await startAt(world, h, '1.0.0', { ANIMA_TEST_HOLD_STEP: 'verifying' });
    await killSupervisorWhen(h, ['upgrade'], {}, (o) => o?.step === 'verifying', 'the upgrade at "verifying"');
    // The second supervisor starts the rollback and is killed in the middle of it.
    const op = await killSupervisorWhen(h, ['start', '--no-browser'], { ANIMA_TEST_HOLD_STEP: 'rolling-back' }, (o) => o?.kind === 'recover-upgrade' && o.step === 'rolling-back', 'the recovery at "rolling-back"');
    expect(op).toMatchObject({ from: '1.0.0', to: '1.1.0', interruptedAt: 'verifying' });

    // The third finishes the rollback: 1.0.0, verified; the never-verified 1.1.0 is not kept.
    await startAndWaitRecovered(h);
    await expectRunningVerified(world, h, '1.0.0');
  });
});
