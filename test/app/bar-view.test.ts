// The dashboard's update bar, as words and numbers (renderer/bar/view-model.ts), in Node.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { barView, currentUpgradeEvents } from '../../renderer/bar/view-model';
import type { ProgressEvent } from '../../main/shared/control-protocol';
import { appState, status } from './state-fixtures';
import { REPO } from '../helpers/world';

const offered = status({ version: '1.4.2', update: { current: '1.4.2', target: '1.5.0', available: true } });
const ev = (step: string, data?: Record<string, unknown>, operation = 'upgrade'): ProgressEvent => ({ operation, step, message: `${step}…`, ...(data ? { data } : {}) });

describe('the update bar', () => {
  it('says nothing without an offer, and never offers a downgrade, a skipped or a failed version', () => {
    expect(barView(null)).toEqual({ kind: 'hidden' });
    expect(barView(appState(status()))).toEqual({ kind: 'hidden' });
    expect(barView(appState(status({ update: { target: '1.0.0', downgrade: true } }))).kind).toBe('hidden');
    expect(barView(appState(status({ update: { target: '1.5.0', available: true, skipped: true } }))).kind).toBe('hidden');
    expect(barView(appState(status({ update: { target: '1.5.0', available: true, failedUpgrade: { version: '1.5.0', at: 'x', reason: 'r' } } }))).kind).toBe('hidden');
  });

  it('offers the version: "Anima 1.5.0 is available"', () => {
    expect(barView(appState(offered))).toMatchObject({ kind: 'offer', version: '1.5.0', text: 'Anima 1.5.0 is available', sub: expect.stringContaining('You run 1.4.2') });
  });

  it('shows the phase, with a determinate bar for bytes and for agents drained, and checks as they pass', () => {
    const busy = (progress: ProgressEvent[]) => barView(appState(offered, { busy: 'upgrade', progress }));
    expect(busy([])).toMatchObject({ kind: 'upgrading', text: 'Upgrading to Anima 1.5.0', progress: null });
    expect(busy([ev('resolving'), ev('downloading', { bytes: 1024, total: 4096 })])).toMatchObject({ phase: 'Downloading', detail: '1.0 kB of 4.0 kB', progress: { value: 1024, max: 4096 } });
    expect(busy([ev('downloading', { bytes: 9000, total: 4096 })])).toMatchObject({ progress: { value: 4096, max: 4096 } });
    expect(busy([ev('downloading', { bytes: 10 })])).toMatchObject({ detail: '10 B', progress: null });
    expect(busy([ev('installing-dependencies', { packages: { done: 5, total: 10 } })])).toMatchObject({ phase: 'Installing dependencies', detail: '5 of 10 packages', progress: { value: 5, max: 10 } });
    const drain = [ev('draining', { active: 4, queued: 2 }), ev('draining', { active: 1, queued: 2 })];
    expect(busy(drain)).toMatchObject({ phase: 'Letting agents finish their step', detail: '1 busy, 2 queued', progress: { value: 3, max: 4 } });
    expect(busy([ev('draining', { active: 0, queued: 0 })])).toMatchObject({ detail: 'no agent busy, 0 queued', progress: null });
    const checks = [ev('verifying'), ev('verifying', { check: { name: 'health', ok: true, detail: '' } }), ev('verifying', { check: { name: 'server-info', ok: true, detail: '' } })];
    expect(busy(checks)).toMatchObject({ phase: 'Verifying', detail: '2 checks passed', progress: null });
    expect(busy([...checks, ev('verifying', { check: { name: 'agent-status', ok: false, detail: 'stale' } })])).toMatchObject({ detail: 'the check "agent-status" failed' });
    expect(busy([...checks, ev('rolling-back')])).toMatchObject({ phase: 'Rolling back' });
    // An upgrade started elsewhere (the CLI) shows too: the supervisor's operation says so.
    expect(barView(appState(status({ operation: 'upgrade', update: { target: '1.5.0', available: true } })))).toMatchObject({ kind: 'upgrading' });
  });

  it('follows only the current upgrade: what an earlier one reported is behind its end', () => {
    const events = [ev('downloading', { bytes: 1, total: 1 }), ev('done'), ev('start', undefined, 'start'), ev('resolving'), ev('downloading', { bytes: 5, total: 10 })];
    expect(currentUpgradeEvents(events).map((e) => e.step)).toEqual(['resolving', 'downloading']);
  });

  it('tells the outcome in one line, a rollback with what failed and what runs, until dismissed', () => {
    const done = appState(status({ version: '1.5.0' }), { lastOutcome: { operation: 'upgrade', ok: true, message: 'Upgraded', at: 't1', outcome: { operation: 'upgrade', ok: true, message: 'Upgraded', version: '1.5.0' } } });
    expect(barView(done)).toMatchObject({ kind: 'outcome', tone: 'ok', text: 'Anima 1.5.0 is running.', details: false, key: 'outcome:t1' });
    expect(barView(done, 'outcome:t1')).toEqual({ kind: 'hidden' });
    const rolled = appState(status({ version: '1.4.2', update: { current: '1.4.2', target: '1.5.0', failedUpgrade: { version: '1.5.0', at: 't2', reason: 'server-info' } } }), {
      lastOutcome: { operation: 'upgrade', ok: false, message: 'x', at: 't2', outcome: { operation: 'upgrade', ok: false, message: 'x', version: '1.4.2', rolledBack: { to: '1.4.2', verified: true }, failure: { check: 'server-info', detail: 'reports 9.9.9' } } },
    });
    expect(barView(rolled)).toMatchObject({ kind: 'outcome', tone: 'warn', details: true, text: 'The upgrade to 1.5.0 was rolled back: it failed the check "server-info"; 1.4.2 runs again, nothing was lost.' });
    const failed = appState(status(), { lastOutcome: { operation: 'upgrade', ok: false, message: 'x', at: 't3', error: { code: 'EBUSY', message: 'Another operation runs' } } });
    expect(barView(failed)).toMatchObject({ tone: 'error', text: 'The upgrade failed: Another operation runs', details: true });
    // Not the outcome of a start or a stop: the bar is about upgrades.
    expect(barView(appState(status(), { lastOutcome: { operation: 'start', ok: true, message: 'ok', at: 't4' } }))).toEqual({ kind: 'hidden' });
    // An upgrade from the CLI: its last event tells how it ended.
    expect(barView(appState(status(), { progress: [ev('resolving'), ev('rolled-back')] }))).toMatchObject({ kind: 'outcome', tone: 'warn', details: true });
  });
});

describe("the bar's page", () => {
  it('keeps Node, zod and innerHTML out, and imports code only from its own files and main/shared/format', () => {
    for (const f of readdirSync(join(REPO, 'renderer', 'bar')).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(join(REPO, 'renderer', 'bar', f), 'utf8');
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      expect(src, f).not.toMatch(/from ['"](node:|electron|zod)/);
      for (const m of src.matchAll(/^import (?!type )/gm)) expect(src.slice(m.index!, src.indexOf(';', m.index!)), f).toMatch(/from '(\.\/[a-z-]+|\.\.\/\.\.\/main\/shared\/format)'/);
    }
  });

  it("the bar's preload exposes only the bar's methods, and requires only electron", () => {
    // Built by the global setup (scripts/build.mjs).
    const preload = readFileSync(join(REPO, 'dist/preload-bar.cjs'), 'utf8');
    expect(new Set([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))).toEqual(new Set(['electron']));
    expect(preload).toContain('animaBar');
    for (const m of ['"start"', '"openHome"', '"setSetting"', '"getLogs"']) expect(preload, m).not.toContain(m);
  });
});
