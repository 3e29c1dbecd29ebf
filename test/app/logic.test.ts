import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progressRows, outcomeText, updateBanners, uptime, actionsFor, windowTitle } from '../../renderer/view-model';
import { formatBytes } from '../../main/shared/format';
import { keepAfterClose, quitAndStopQuestion, trayOperationNotification, updateCheckNotification, updateNotification, upgradeNotification } from '../../main/app/notify-policy';
import { autostartFile, desktopEntry, linuxAutostartEnabled, loginItemNote, setLinuxAutostart } from '../../main/app/autostart';
import { instanceArgs, parseAppArgs, showWindowOnLaunch } from '../../main/app/app-args';
import type { ProgressEvent } from '../../main/shared/control-protocol';
import { appState, status } from './state-fixtures';

const ev = (step: string, message: string, data?: Record<string, unknown>): ProgressEvent => ({ operation: 'upgrade', step, message, ...(data ? { data } : {}) });

describe('progress, step by step', () => {
  it('merges repeated download and drain reports and lists each check', () => {
    const rows = progressRows([
      ev('resolving', 'Resolving 1.2.0'),
      ev('downloading', 'dl', { bytes: 1024, total: 4096 }),
      ev('downloading', 'dl', { bytes: 4096, total: 4096 }),
      ev('installing-dependencies', 'Installing dependencies'),
      ev('draining', 'd', { service: 'agent', active: 2, queued: 1 }),
      ev('draining', 'd', { service: 'agent', active: 0, queued: 3 }),
      ev('starting', 'Starting web 1.2.0', { service: 'web' }),
      ev('verifying', '✓ health', { check: { name: 'health', ok: true, detail: '200' } }),
      ev('verifying', '✗ version', { check: { name: 'version', ok: false, detail: 'expected 1.2.0, got 1.2.0-wrong' } }),
      ev('rolling-back', 'Rolling back to 1.1.0'),
    ]);
    expect(rows.map((r) => r.step)).toEqual(['resolving', 'downloading', 'installing-dependencies', 'draining', 'starting', 'verifying', 'verifying', 'rolling-back']);
    expect(rows[1].detail).toBe('4.0 kB of 4.0 kB (100%)');
    expect(rows[3].detail).toBe('0 active item(s) finishing their current step, 3 queued');
    expect(rows[5]).toMatchObject({ title: 'health', mark: 'ok' });
    expect(rows[6]).toMatchObject({ title: 'version', mark: 'failed', detail: 'expected 1.2.0, got 1.2.0-wrong' });
    expect(rows[7].mark).toBe('active');
    expect(progressRows([ev('starting', 'x')], false)[0].mark).toBe('done');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});

describe('outcomes in plain words', () => {
  it('explains a rollback with the failed check and offers the log', () => {
    const t = outcomeText({
      operation: 'upgrade', ok: false, message: 'Upgrade to 1.2.0 failed', at: '',
      outcome: { operation: 'upgrade', ok: false, message: 'Upgrade to 1.2.0 failed; rolled back', rolledBack: { to: '1.1.0', verified: true }, failure: { check: 'deep-health', detail: 'slack: token revoked', logTail: 'line1\nline2' } },
    });
    expect(t.headline).toBe('Upgrade rolled back to 1.1.0');
    expect(t.lines[0]).toContain('"deep-health"');
    expect(t.lines[1]).toContain('put 1.1.0 back and checked that it works');
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
