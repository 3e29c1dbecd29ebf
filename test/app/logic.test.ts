import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outcomeText, updateBanners, uptime, actionsFor, windowTitle, glance } from '../../renderer/view-model';
import { operationPhases } from '../../renderer/phases';
import { niceMax, vitalsCharts } from '../../renderer/charts';
import type { Vitals } from '../../main/shared/status';
import { formatBytes } from '../../main/shared/format';
import { keepAfterClose, quitAndStopQuestion, trayOperationNotification, updateCheckNotification, updateNotification, upgradeNotification } from '../../main/app/notify-policy';
import { autostartFile, desktopEntry, linuxAutostartEnabled, loginItemNote, setLinuxAutostart } from '../../main/app/autostart';
import { instanceArgs, parseAppArgs, showWindowOnLaunch } from '../../main/app/app-args';
import type { ProgressEvent } from '../../main/shared/control-protocol';
import { appState, status } from './state-fixtures';

const ev = (step: string, message: string, data?: Record<string, unknown>): ProgressEvent => ({ operation: 'upgrade', step, message, ...(data ? { data } : {}) });

describe('an operation as its phases', () => {
  it('merges repeated download and drain reports into measured bars and folds the checks', () => {
    const events = [
      ev('resolving', 'Resolving 1.2.0'),
      ev('downloading', 'dl', { bytes: 1024, total: 4096 }),
      ev('downloading', 'dl', { bytes: 4096, total: 4096 }),
      ev('installing-dependencies', 'Installing dependencies'),
      ev('draining', 'd', { service: 'agent', active: 2, queued: 1 }),
      ev('draining', 'd', { service: 'agent', active: 0, queued: 3 }),
      ev('stopping', 'Stopping web', { service: 'web' }),
      ev('swapping', 'Switching 1.1.0 → 1.2.0'),
      ev('starting', 'Starting web 1.2.0', { service: 'web' }),
      ev('verifying', 'Verifying 1.2.0'),
      ev('verifying', '✓ health', { check: { name: 'health', ok: true, detail: '200' } }),
      ev('verifying', '✗ version', { check: { name: 'version', ok: false, detail: 'expected 1.2.0, got 1.2.0-wrong' } }),
      ev('rolling-back', 'Rolling back to 1.1.0'),
    ];
    const phases = operationPhases(events, true);
    expect(phases.map((p) => p.id)).toEqual(['download', 'dependencies', 'drain', 'switch', 'start', 'verify', 'rollback']);
    expect(phases.map((p) => p.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'failed', 'active']);
    expect(phases[0]).toMatchObject({ title: 'Downloading', detail: '4.0 kB of 4.0 kB (100%)', bar: { value: 4096, max: 4096 } });
    // Drained = the active items that reached a safe point; the web's stop after it doesn't hide the counts.
    expect(phases[2]).toMatchObject({ detail: '2 of 2 active items at a safe point, 3 queued', bar: { value: 2, max: 2 } });
    expect(phases[1].bar).toBeNull();
    expect(phases[5].detail).toBe('1 of 2 checks passed');
    expect(phases[5].checks).toEqual([{ name: 'health', ok: true, detail: '200' }, { name: 'version', ok: false, detail: 'expected 1.2.0, got 1.2.0-wrong' }]);

    // The rollback's own verification is the rollback's, and ends it.
    const after = operationPhases([...events, ev('verifying', '✓ health', { check: { name: 'health', ok: true, detail: '200' } }), ev('rolled-back', 'Rolled back to 1.1.0')], false);
    expect(after.find((p) => p.id === 'rollback')).toMatchObject({ state: 'done', detail: '1 of 1 check passed' });
    expect(after.find((p) => p.id === 'verify')!.checks).toHaveLength(2);
  });

  it('shows what is still ahead while it runs, measures only what is measured, and forgets the previous operation', () => {
    const running = operationPhases([ev('resolving', 'Resolving'), ev('downloading', 'dl', { bytes: 0 })], true);
    expect(running.map((p) => `${p.id}:${p.state}`)).toEqual(['download:active', 'dependencies:pending', 'drain:pending', 'switch:pending', 'start:pending', 'verify:pending']);
    expect(running[0]).toMatchObject({ bar: null, detail: '0 B so far' });
    expect(operationPhases([ev('downloading', 'dl', { bytes: 0 }), ev('installing-dependencies', 'deps')], true)[0].detail).toBe('already in the local cache');
    // Dependencies: packages installed of the total Arborist planned.
    const deps = operationPhases([ev('installing-dependencies', 'deps', { packages: { done: 0, total: 12 } }), ev('installing-dependencies', 'deps', { packages: { done: 5, total: 12 } })], true);
    expect(deps[1]).toMatchObject({ id: 'dependencies', state: 'active', bar: { value: 5, max: 12 }, detail: '5 of 12 packages' });
    // The agent exits at its last safe point, often before saying so: what follows the drain completes it.
    const exited = operationPhases([ev('draining', 'd', { service: 'agent', active: 2, queued: 1 }), ev('draining', 'd', { service: 'agent', active: 1, queued: 2 }), ev('stopping', 'Stopping web', { service: 'web' })], true);
    expect(exited[2]).toMatchObject({ id: 'drain', state: 'active', bar: { value: 2, max: 2 }, detail: '2 of 2 active items at a safe point, 2 queued' });
    const forced = operationPhases([ev('draining', 'd', { service: 'agent', active: 2, queued: 0 }), ev('draining', 'timed out', { service: 'agent', forced: true }), ev('stopping', 'Stopping web', { service: 'web' })], true);
    expect(forced[2]).toMatchObject({ bar: { value: 0, max: 2 }, detail: 'timed out' });
    const idleDrain = operationPhases([{ operation: 'stop', step: 'draining', message: 'd', data: { active: 0, queued: 0 } }], false);
    expect(idleDrain[0]).toMatchObject({ id: 'drain', state: 'done', bar: { value: 1, max: 1, text: 'no active items to wait for' } });
    const two = [ev('starting', 'x'), ev('done', 'Upgraded'), { operation: 'supervisor', step: 'crashed', message: 'agent crashed' }, { operation: 'restart', step: 'draining', message: 'd', data: { active: 1, queued: 0 } }];
    expect(operationPhases(two, true).map((p) => `${p.id}:${p.state}`)).toEqual(['drain:active', 'start:pending', 'verify:pending']);
    const failed = operationPhases([ev('resolving', 'x'), ev('installing-dependencies', 'deps'), ev('failed', 'Upgrade failed before anything was stopped')], false);
    expect(failed.map((p) => `${p.id}:${p.state}`)).toEqual(['download:done', 'dependencies:failed']);
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});

describe('vitals as charts', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const sample = (msAgo: number, web: number | null, agentActive = 0) => ({
    at: at(msAgo),
    web: web === null ? null : { cpu: web, rssBytes: 40 * 1024 * 1024 },
    agent: { cpu: 1, rssBytes: 30 * 1024 * 1024, active: agentActive, queued: 1 },
  });
  const v: Vitals = {
    intervalMs: 5000,
    windowMs: 15 * 60_000,
    samples: [sample(20 * 60_000, 99), sample(14.5 * 60_000, 1), sample(15_000, 4), sample(10_000, null), sample(5_000, 12, 2), sample(0, 8, 1)],
    marks: [{ at: at(12_000), service: 'web', kind: 'crashed' }, { at: at(6_000), service: 'web', kind: 'started' }, { at: at(6_000), service: 'agent', kind: 'started' }],
  };

  it('draws the last window from right (now) to left, breaks lines where a service was down, and marks starts and crashes', () => {
    const [cpu, memory, load] = vitalsCharts(v, now);
    const web = cpu.series[0];
    // The sample older than the window is left out (its 99 % would set the scale); the gap splits the line.
    expect(cpu.maxLabel).toBe('20 %');
    expect(web.path).toMatch(/^M[\d.]+ [\d.]+M[\d.]+ [\d.]+M[\d.]+ [\d.]+L300 /);
    expect(web).toMatchObject({ now: 8, peak: 12, last: { x: 300 } });
    expect(cpu.marks.map((m) => m.kind)).toEqual(['crashed', 'started', 'started']);
    expect(load.marks.map((m) => m.service)).toEqual(['agent']);
    expect(memory.summary).toMatch(/^Memory over the last 15 minutes: web 40 MB now, peak 40 MB; agent 30 MB now, peak 30 MB\. 1 crash, 2 starts\.$/);
    expect(load.series.map((s) => s.now)).toEqual([1, 1]);
    expect(niceMax(0.3, 2)).toBe(2);
    expect(niceMax(130, 50)).toBe(200);
  });

  it('a single sample is a dot, not a line; a short history fills the chart rather than its right edge', () => {
    const [cpu] = vitalsCharts({ ...v, samples: [sample(0, 3)], marks: [] }, now);
    expect(cpu.series[0]).toMatchObject({ path: '', last: { x: 300 } });
    expect(cpu.summary).toBe('CPU over the last 2 minutes: web 3.0 % now, peak 3.0 %; agent 1.0 % now, peak 1.0 %.');
    const [short] = vitalsCharts({ ...v, samples: [sample(170_000, 3), sample(165_000, 3), sample(0, 3)], marks: [] }, now);
    expect(short.minutes).toBe(3);
    expect(short.series[0].path).toBe('M16.7 57.8L25 57.8M300 57.8');
  });
});

describe('the overview at a glance', () => {
  it('answers: running, version, healthy, update (and the automatic upgrade ahead)', () => {
    expect(glance(appState(status()))).toMatchObject({ tone: 'ok', headline: 'Anima is running', version: '1.1.0 on stable', health: 'Healthy: web and agent are running', update: 'Not checked yet' });
    expect(glance(appState(status({ update: { target: '1.2.0', available: true } }))).update).toBe('Anima 1.2.0 is available');
    const due = new Date(Date.now() + 7 * 60_000).toISOString();
    const auto = glance(appState(status({ update: { target: '1.2.0', available: true, auto: { target: '1.2.0', idleMinutes: 10, idleSince: null, dueAt: due } } })));
    expect(auto.update).toBe('Will upgrade to 1.2.0 when agents are idle (in about 7 min)');
    expect(glance(appState(status({ web: 'stopped' })))).toMatchObject({ tone: 'idle', headline: 'Anima is stopped' });
    expect(glance(appState(status({ agent: 'crashed' })))).toMatchObject({ tone: 'error', headline: 'agent crashed' });
    expect(glance(appState(status(), { busy: 'upgrade' }))).toMatchObject({ tone: 'warn', headline: 'Upgrade in progress…' });
  });
});

describe('outcomes in plain words', () => {
  it('explains a rollback with the failed check and offers the log', () => {
    const t = outcomeText({
      operation: 'upgrade', ok: false, message: 'Upgrade to 1.2.0 failed', at: '',
      outcome: { operation: 'upgrade', ok: false, message: 'Upgrade to 1.2.0 failed; rolled back', rolledBack: { to: '1.1.0', verified: true }, failure: { check: 'deep-health', detail: 'slack: token revoked', logTail: 'line1\nline2' } },
    });
    expect(t.headline).toBe('Upgrade rolled back to 1.1.0');
    expect(t.sentence).toBe('The new version failed the check "deep-health", so Anima put 1.1.0 back and checked that it works.');
    expect(t.lines[0]).toContain('"deep-health"');
    expect(t.sentence).toContain('put 1.1.0 back and checked that it works');
    expect(t.lines[1]).toBe('Nothing was lost: agents resume where they stopped.');
    expect(t.tone).toBe('warn');
    expect(t.logTail).toBe('line1\nline2');
    expect(t.logService).toBe('web');
  });
  it('shows errors with their hint, and plain successes', () => {
    const e = outcomeText({ operation: 'upgrade', ok: false, message: 'x', at: '', error: { code: 'EREGISTRY', message: 'The registry at http://127.0.0.1:9 did not answer', hint: 'Check your network, then try again' } });
    expect(e).toMatchObject({ tone: 'error', headline: 'Upgrade failed', lines: ['The registry at http://127.0.0.1:9 did not answer', 'Check your network, then try again'] });
    expect(outcomeText({ operation: 'start', ok: true, message: 'Started x@1.1.0', at: '', outcome: { operation: 'start', ok: true, message: 'Started x@1.1.0' } })).toMatchObject({ tone: 'ok', headline: 'Start finished' });
    expect(outcomeText({ operation: 'stop', ok: true, message: 'Stopped', at: '', outcome: { operation: 'stop', ok: true, message: 'Stopped', forced: '2 agents mid-step' } }).tone).toBe('warn');
  });
});

describe('update banners', () => {
  const base = { channel: 'stable', current: '1.0.0', target: '1.1.0', available: true, downgrade: false, skipped: false, checkedAt: '2026-01-01T00:00:00Z', lastSuccessAt: '2026-01-01T00:00:00Z' };
  it('offers the upgrade, the explicit downgrade, failures and up-to-date', () => {
    expect(updateBanners(base)[0]).toMatchObject({ kind: 'upgrade', text: 'Anima 1.1.0 is available', version: '1.1.0' });
    expect(updateBanners({ ...base, available: false, downgrade: true, current: '1.2.0-canary.1' })[0]).toMatchObject({ kind: 'downgrade', version: '1.1.0' });
    expect(updateBanners({ ...base, available: false, skipped: true })[0]).toMatchObject({ kind: 'up-to-date', text: 'Skipping 1.1.0' });
    expect(updateBanners({ ...base, available: false, error: 'registry unreachable' })[0].kind).toBe('error');
    expect(updateBanners({ ...base, failedUpgrade: { version: '1.1.0', at: base.checkedAt, reason: 'health failed' } }).map((b) => b.kind)).toEqual(['failed-upgrade']);
    expect(updateBanners({ ...base, target: '1.1.1', failedUpgrade: { version: '1.1.0', at: base.checkedAt, reason: 'health failed' } }).map((b) => b.kind)).toEqual(['failed-upgrade', 'upgrade']);
    expect(updateBanners(null)).toEqual([]);
  });
  it('computes uptime and which buttons make sense', () => {
    expect(uptime(new Date(Date.now() - 3_700_000).toISOString())).toBe('1 h 1 min');
    expect(uptime(null)).toBe('—');
    expect(actionsFor(appState(status()))).toEqual({ start: false, stop: true, restart: true, busy: false });
    expect(actionsFor(appState(status({ web: 'stopped' })))).toEqual({ start: true, stop: false, restart: false, busy: false });
    expect(actionsFor(appState(status(), { busy: 'restart' })).busy).toBe(true);
  });
  it('names the home in the window title, beside the environment (issue 15 #13)', () => {
    const s = appState(status({ environment: 'canary' }));
    expect(windowTitle(s)).toBe(`Anima Desktop: canary · ${s.home}`);
    expect(windowTitle({ ...s, status: null })).toBe(`Anima Desktop: ${s.home}`);
  });
});

describe('notifications', () => {
  it('announces an available version once per version', () => {
    const s = appState(status({ update: { target: '1.2.0', available: true } }));
    const seen = new Set<string>();
    const n = updateNotification(s, seen)!;
    expect(n).toMatchObject({ key: '1.2.0', title: 'Anima 1.2.0 is available', section: 'update' });
    seen.add(n.key);
    expect(updateNotification(s, seen)).toBeNull();
    expect(updateNotification(appState(status({ update: { target: '1.2.0', available: false, skipped: true } })), new Set())).toBeNull();
  });
  it('announces the end of an upgrade: finished, rolled back, failed', () => {
    expect(upgradeNotification(ev('done', 'Upgraded to 1.2.0'))!.title).toBe('Anima upgraded');
    expect(upgradeNotification(ev('rolled-back', 'Upgrade to 1.2.0 failed.'))).toMatchObject({ title: 'Upgrade rolled back', section: 'operation' });
    expect(upgradeNotification(ev('failed', 'x'))!.title).toBe('Upgrade failed');
    expect(upgradeNotification(ev('starting', 'x'))).toBeNull();
    expect(upgradeNotification({ operation: 'restart', step: 'done', message: 'x' })).toBeNull();
  });
  it('answers every tray action whose result the closed window would have shown (issue 15 #10)', () => {
    const fail = { ok: false as const, error: { code: 'EREGISTRY', message: 'The registry did not answer', hint: 'Check your network.' } };
    expect(trayOperationNotification('start', fail)).toMatchObject({ title: 'Anima could not start', body: 'The registry did not answer Check your network.', section: 'operation' });
    expect(trayOperationNotification('restart', { ok: true, value: { operation: 'restart', ok: false, message: 'web did not become healthy' } })).toMatchObject({ title: 'Anima could not restart', body: 'web did not become healthy' });
    expect(trayOperationNotification('stop', { ok: true, value: { operation: 'stop', ok: true, message: 'Stopped' } })).toBeNull();
    const u = { channel: 'stable', current: '1.1.0', target: '1.1.0', available: false, downgrade: false, skipped: false, checkedAt: 'now', lastSuccessAt: 'now' };
    expect(updateCheckNotification({ ok: true, value: u })).toMatchObject({ title: 'Anima is up to date', body: 'Anima 1.1.0 is the newest on the stable channel.' });
    expect(updateCheckNotification({ ok: true, value: null }).title).toBe('Anima is up to date');
    expect(updateCheckNotification({ ok: true, value: { ...u, target: '1.2.0', available: true } })).toMatchObject({ key: '1.2.0', title: 'Anima 1.2.0 is available' });
    expect(updateCheckNotification({ ok: true, value: { ...u, error: 'registry unreachable', lastSuccessAt: '2026-01-01T00:00:00Z' } })).toMatchObject({ title: 'Could not check for updates', body: 'registry unreachable The last successful check was at 2026-01-01T00:00:00Z.' });
    expect(updateCheckNotification(fail).title).toBe('Could not check for updates');
  });
  it('quits "and stops" only once the stop went through; asks when the supervisor is busy (issue 15 #3)', () => {
    expect(quitAndStopQuestion({ ok: true, value: { operation: 'stop', ok: true, message: 'Stopped' } })).toBeNull();
    const busy = quitAndStopQuestion({ ok: false, error: { code: 'EBUSY', message: 'Another operation "upgrade" in progress since 10:00 by pid 7 on this home', details: { operation: 'upgrade' } } });
    expect(busy!.message).toBe('Anima is busy (upgrade): quit and leave it running?');
    expect(quitAndStopQuestion({ ok: false, error: { code: 'ETIMEOUT', message: 'no answer' } })!.message).toMatch(/could not be stopped/);
    expect(quitAndStopQuestion({ ok: true, value: { operation: 'stop', ok: false, message: 'agent did not drain' } })!.detail).toBe('agent did not drain');
  });
  it('keeps a notification that timed out into the Action Center, so its click still works (issue 15 #8)', () => {
    expect(keepAfterClose('timedOut')).toBe(true);
    for (const r of ['userCanceled', 'applicationHidden', undefined]) expect(keepAfterClose(r)).toBe(false);
  });
});

describe('launch at login (Linux XDG autostart) and arguments', () => {
  it('writes and removes a desktop entry under XDG_CONFIG_HOME', () => {
    const cfg = mkdtempSync(join(tmpdir(), 'anima-xdg-'));
    const env = { XDG_CONFIG_HOME: cfg, HOME: '/nonexistent' };
    expect(autostartFile(env)).toBe(join(cfg, 'autostart', 'anima-desktop.desktop'));
    expect(linuxAutostartEnabled(env)).toBe(false);
    setLinuxAutostart(true, '/opt/Anima Desktop/anima-desktop', ['--hidden', '--home', '/home/u/my anima'], env);
    const text = readFileSync(autostartFile(env), 'utf8');
    expect(text).toContain('Exec="/opt/Anima Desktop/anima-desktop" --hidden --home "/home/u/my anima"');
    expect(text).toMatch(/^Type=Application$/m);
    expect(linuxAutostartEnabled(env)).toBe(true);
    setLinuxAutostart(false, '', [], env);
    expect(existsSync(autostartFile(env))).toBe(false);
    expect(desktopEntry('/a', ['100%'])).toContain('Exec=/a "100%%"');
  });
  it('tells what macOS waits for when a login item needs approval (issue 15 #11)', () => {
    expect(loginItemNote('requires-approval')).toMatch(/System Settings › General › Login Items/);
    expect(loginItemNote('enabled')).toBeNull();
    expect(loginItemNote('not-registered')).toBeNull();
    expect(loginItemNote(undefined)).toBeNull();
  });
  it('parses --home and --hidden, and opens the window when no tray can be shown', () => {
    expect(parseAppArgs(['.', '--home', '/tmp/h', '--hidden'])).toEqual({ home: '/tmp/h', hidden: true });
    expect(parseAppArgs(['--home=/x'])).toEqual({ home: '/x', hidden: false });
    expect(showWindowOnLaunch({ hidden: true, trayVisible: false })).toBe(true);
    expect(showWindowOnLaunch({ hidden: true, trayVisible: true })).toBe(false);
    expect(showWindowOnLaunch({ hidden: false, trayVisible: true })).toBe(true);
  });
  it('starts another instance with the same app arguments and the home it is for', () => {
    expect(instanceArgs({ packaged: false, appRoot: '/src/anima-desktop', home: '/srv/h' })).toEqual(['/src/anima-desktop', '--home', '/srv/h']);
    expect(instanceArgs({ packaged: true, appRoot: '/opt/x/app.asar', home: '/srv/h' })).toEqual(['--home', '/srv/h']);
    expect(instanceArgs({ packaged: true, appRoot: '/opt/x/app.asar', hidden: true })).toEqual(['--hidden']);
    expect(parseAppArgs(instanceArgs({ packaged: false, appRoot: '.', home: '/srv/my home' }))).toEqual({ home: '/srv/my home', hidden: false });
  });
});
