// End to end: the status window (dist/renderer) in real Chromium, window.anima bridged to
// the real IPC handlers, a real supervisor on a real home, a real registry (verdaccio)
// with the reference runtime 1.0.0, 1.1.0 (latest) and 1.2.0-canary.1 (canary).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { startWorld, type World } from '../helpers/world';
import { rememberHome } from '../../main/app/known-homes';
import { loginItemNote } from '../../main/app/autostart';
import type { ShellActions } from '../../main/app/ipc-handlers';
import { enqueue } from '../helpers/reference-queue';
import { chromiumPath, freePort, launchChromium, openBridge, type Bridge } from './bridge';

const hasChromium = !!chromiumPath();
if (!hasChromium) console.log('[renderer e2e] skipped: no Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium (apt-get install -y chromium)');

const T = { timeout: 30_000 };

async function text(page: Page, testid: string): Promise<string> {
  return (await page.getByTestId(testid).textContent()) ?? '';
}

/** The window's sections are tabs: what a test reads or clicks must be in the one shown. */
async function section(page: Page, name: 'Overview' | 'Updates' | 'Logs' | 'Settings'): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.getByRole('tabpanel', { name }).waitFor(T);
}

async function waitForState(page: Page, testid: string, state: string, timeout = 30_000): Promise<void> {
  await page.locator(`[data-testid="${testid}"][data-state="${state}"]`).waitFor({ timeout });
}

describe.skipIf(!hasChromium)('status window in Chromium, bridged to a real supervisor', () => {
  let world: World;
  let browser: Browser;
  let bridge: Bridge | null = null;
  let home = '';

  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  afterEach(async () => {
    await bridge?.close();
    bridge = null;
    // Whatever a test left running goes away (the CLI's stop drains and ends the supervisor).
    if (home) await world.cli(['stop', '--force'], { home });
    home = '';
  });

  async function open(extraEnv: NodeJS.ProcessEnv = {}, o: { knownHomesFile?: string; launchAtLogin?: ShellActions['launchAtLogin'] } = {}): Promise<{ bridge: Bridge; page: Page; env: NodeJS.ProcessEnv }> {
    home = world.newHome();
    const env = { ...world.env, ANIMA_HOME: home, ANIMA_WEB_PORT: String(await freePort()), ...extraEnv };
    bridge = await openBridge(browser, { home, env, xdgConfigHome: mkdtempSync(join(world.tmp, 'xdg-')), ...o });
    return { bridge, page: bridge.page, env };
  }

  it('starts from stopped: Start brings both services up, Stop drains them', async () => {
    const { bridge: b, page } = await open();
    await page.getByText('supervisor not running').waitFor(T);
    expect(await text(page, 'home')).toBe(home);
    expect(await text(page, 'env-badge')).toBe('stable');
    // Two homes' windows must not read alike: the title names the home.
    expect(await page.title()).toBe(`Anima Desktop: stable · ${home}`);
    await waitForState(page, 'svc-web', 'stopped');
    expect(await page.getByTestId('stop').isDisabled()).toBe(true);
    // No supervisor is started for charts: there are none to draw, and the window says why.
    expect(await b.handlers.getVitals(undefined)).toEqual({ ok: true, value: null });
    await page.getByText('Charts appear while Anima\u2019s supervisor runs.').waitFor(T);
    expect(await page.getByTestId('chart-cpu').count()).toBe(0);
    expect(b.link.connected).toBe(false);
    await b.screenshot('01-stopped');

    await page.getByTestId('start').click();
    await waitForState(page, 'svc-web', 'running');
    await waitForState(page, 'svc-agent', 'running');
    await page.getByTestId('op-outcome').getByText('Start finished').waitFor(T);
    await page.getByText('supervisor connected').waitFor(T);
    expect(await text(page, 'version')).toContain('1.1.0');
    const steps = await page.getByTestId('op-steps').innerText();
    expect(steps).toContain('Starting');
    expect(await page.locator('[data-testid="svc-web"] .pid').innerText()).toMatch(/^\d+$/);
    expect(await page.locator('[data-testid="svc-agent"] .activity').innerText()).toMatch(/\d+ active, \d+ queued/);
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    // The overview answers at a glance.
    await expect.poll(() => text(page, 'glance-head'), T).toBe('Anima is running');
    expect(await text(page, 'glance-health')).toBe('Healthy: web and agent are running');
    expect(await text(page, 'glance-version')).toBe('1.1.0 on stable');
    // Vitals drawn from the supervisor's real samples, with both starts marked.
    const memory = page.getByTestId('chart-memory');
    await expect.poll(() => memory.locator('line.mark-started').count(), T).toBe(2);
    expect(await memory.locator('circle[data-series="web"]').count()).toBe(1);
    expect(await memory.getByRole('img').getAttribute('aria-label')).toMatch(/^Memory over the last \d+ minutes: web [\d.]+ MB now, peak [\d.]+ MB; agent [\d.]+ MB now, peak [\d.]+ MB\. 2 starts\.$/);
    // A second sample a few seconds later (every intervalMs): lines now, and the CPU known.
    await expect.poll(() => memory.locator('path[data-series="web"]').getAttribute('d').catch(() => null), { timeout: 15_000 }).toMatch(/^M[\d.]+ [\d.]+L/);
    expect(await page.getByTestId('chart-cpu').getByRole('img').getAttribute('aria-label')).toMatch(/web [\d.]+ % now/);
    expect(await page.getByTestId('chart-load').getByRole('img').getAttribute('aria-label')).toMatch(/^Agent items over the last \d+ minutes: active \d+ now, peak \d+; queued \d+ now, peak \d+\. 1 start\.$/);
    await b.screenshot('02-running', 'status-window-running');
    await page.emulateMedia({ colorScheme: 'dark' });
    await b.screenshot('03-running-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Polled only while the overview is shown: another section, or a hidden window, asks nothing.
    let asked = 0;
    const getVitals = b.handlers.getVitals;
    b.handlers.getVitals = (arg) => (asked++, getVitals(arg));
    await expect.poll(() => asked, { timeout: 12_000 }).toBeGreaterThan(0);
    await section(page, 'Logs');
    const before = asked;
    await page.waitForTimeout(6000);
    expect(asked).toBe(before);
    await section(page, 'Overview');
    await expect.poll(() => asked, T).toBe(before + 1);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForTimeout(6000);
    expect(asked).toBe(before + 1);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => asked, T).toBe(before + 2);
    b.handlers.getVitals = getVitals;

    // Logs come through the logs method.
    await section(page, 'Logs');
    await page.getByTestId('log-service').selectOption('web');
    await page.getByTestId('logs-refresh').click();
    await expect.poll(() => text(page, 'log-lines'), T).not.toMatch(/is empty|Could not/);
    await page.getByTestId('open-dashboard').click();
    await expect.poll(() => b.calls.openDashboard).toBe(1);
    await section(page, 'Overview');

    await page.getByTestId('stop').click();
    await waitForState(page, 'svc-web', 'stopped');
    await waitForState(page, 'svc-agent', 'stopped');
    await page.getByTestId('op-outcome').getByText('Stop finished').waitFor(T);
    // The supervisor leaves after a stop, by design; the window says so and keeps retrying.
    await page.getByText('supervisor not running').waitFor(T);
    expect(b.pageErrors).toEqual([]);
  });

  it('check for updates with 1.0.0 pinned shows 1.1.0; the canary opt-in shows the canary; skip hides it', async () => {
    const { bridge: b, page } = await open();
    const r = await world.cli(['runtime', 'install', '--version', '1.0.0'], { home });
    expect(r.code, r.stderr).toBe(0);
    await page.getByTestId('check-updates').click();
    const banner = page.getByTestId('banner-upgrade');
    await banner.waitFor(T);
    expect(await banner.innerText()).toContain('Anima 1.1.0 is available');
    expect(await banner.getByTestId('upgrade').innerText()).toBe('Upgrade to 1.1.0');
    expect(await text(page, 'version')).toContain('1.0.0');
    await b.screenshot('04-update-available');

    // The opt-in: the warning is right there, and the channel's offer changes at once.
    await section(page, 'Settings');
    expect(await page.locator('#canary-warning').innerText()).toMatch(/can break agents/);
    await page.getByTestId('canary-toggle').check();
    await section(page, 'Updates');
    await expect.poll(async () => (await banner.isVisible()) && (await banner.innerText()), T).toContain('Anima 1.2.0-canary.1 is available');
    await expect.poll(() => text(page, 'env-badge'), T).toBe('canary');
    await b.screenshot('05-canary');

    await banner.getByTestId('skip').click();
    await page.getByTestId('banner-up-to-date').getByText('Skipping 1.2.0-canary.1').waitFor(T);
    expect(await page.getByTestId('banner-upgrade').count()).toBe(0);

    // Other settings go through config-set, validated.
    await section(page, 'Settings');
    await page.getByTestId('drain-timeout').fill('45');
    await page.getByTestId('save-settings').click();
    await page.getByTestId('settings-msg').getByText('Saved.').waitFor(T);
    const s = await b.handlers.getSettings(undefined);
    expect(s.ok && s.value).toMatchObject({ channel: 'canary', drainTimeoutSeconds: 45 });
    await page.getByTestId('drain-timeout').fill('-3');
    await page.getByTestId('save-settings').click();
    await page.getByTestId('settings-msg').getByText(/Not saved/).waitFor(T);
    expect(b.pageErrors).toEqual([]);
  });

  it('follows what the CLI does: reconnects when a supervisor appears (pushed state, no polling) and notices when it goes', async () => {
    const { page, env } = await open();
    await page.getByText('supervisor not running').waitFor(T);
    const r = await world.cli(['start'], { home, env: { ANIMA_WEB_PORT: env.ANIMA_WEB_PORT } });
    expect(r.code, r.stderr).toBe(0);
    await page.getByText('supervisor connected').waitFor(T);
    await waitForState(page, 'svc-web', 'running');
    await waitForState(page, 'svc-agent', 'running');
    expect((await world.cli(['stop'], { home })).code).toBe(0);
    await waitForState(page, 'svc-web', 'stopped');
    await page.getByText('supervisor not running').waitFor(T);
  });

  it('lists the known homes, this window\'s marked; Open on another one asks main to open it in its own window', async () => {
    const other = world.newHome();
    const knownHomesFile = join(mkdtempSync(join(world.tmp, 'appdata-')), 'known-homes.json');
    rememberHome(knownHomesFile, other, 'canary');
    const { bridge: b, page } = await open({}, { knownHomesFile });
    await section(page, 'Settings');
    const list = page.getByTestId('homes-list');
    await expect.poll(() => list.locator('li').count(), T).toBe(2);
    // This window's home first (it was opened last), marked, with no button.
    const mine = list.locator('li').nth(0);
    expect(await mine.getAttribute('data-current')).toBe('true');
    expect(await mine.locator('code').getAttribute('title')).toBe(home);
    expect(await mine.innerText()).toContain('this window');
    expect(await mine.getByTestId('open-home').count()).toBe(0);
    const row = list.locator('li').nth(1);
    expect(await row.locator('code').textContent()).toBe(other);
    expect(await row.locator('.badge').textContent()).toBe('canary');
    await b.screenshot('09-homes');

    await row.getByTestId('open-home').click();
    await expect.poll(() => b.calls.openHome, T).toEqual([other]);
    await page.getByTestId('homes-msg').getByText('Opening it in its own window…').waitFor(T);
    await page.getByTestId('open-another-home').click();
    await expect.poll(() => b.calls.openAnotherHome, T).toBe(1);
    // Only a listed home: the window can't have a home made in a folder of its choosing.
    const refused = await page.evaluate((p) => window.anima.openHome({ home: p }), join(world.tmp, 'not-a-known-home'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'EUNKNOWNHOME' } });
    const relative = await page.evaluate(() => window.anima.openHome({ home: 'relative/home' }));
    expect(relative).toMatchObject({ ok: false, error: { code: 'EINVALID' } });
    expect(b.calls.openHome).toEqual([other]);
    expect(b.pageErrors).toEqual([]);
  });

  it('says when launch at login waits for the user to approve it (macOS 13+, issue 15 #11)', async () => {
    // The login item as macOS answers when it needs approval: registered, yet reading as off.
    let requested = false;
    const { bridge: b, page } = await open({}, { launchAtLogin: { get: () => false, set: (on) => void (requested = on), note: () => (requested ? loginItemNote('requires-approval') : null) } });
    await section(page, 'Settings');
    expect(await page.locator('#login-note').isHidden()).toBe(true);
    await page.getByTestId('login-toggle').check();
    await page.getByTestId('save-settings').click();
    await page.getByTestId('settings-msg').getByText(/System Settings › General › Login Items/).waitFor(T);
    expect(await page.locator('#login-note').innerText()).toContain('macOS needs your approval');
    expect(await page.getByTestId('login-toggle').isChecked()).toBe(false);
    expect(b.pageErrors).toEqual([]);
  });

  it('the handlers refuse malformed arguments before anything reaches the supervisor', async () => {
    const { bridge: b, page } = await open();
    const bad = await page.evaluate(() => (window.anima as unknown as Record<string, (a: unknown) => Promise<unknown>>).getLogs({ service: '../../../etc/passwd', lines: 5 }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'EINVALID' } });
    const bad2 = await b.handlers.setSetting({ key: 'runtime.registry', value: 'http://evil.example' });
    expect(bad2).toMatchObject({ ok: false, error: { code: 'EINVALID' } });
  });

  it('upgrade click-through: its phases with measured bars while it runs, the checks folded, then the new version runs', async () => {
    // A package of its own: 1.1.0 of the standard one may be in the download cache already (nothing to measure).
    const pkg = '@meetquinn/animactl-upgrade-e2e';
    await world.publishRuntime({ name: pkg, version: '1.0.0' });
    await world.publishRuntime({ name: pkg, version: '1.1.0' });
    const { bridge: b, page } = await open({ ANIMA_RUNTIME_PACKAGE: pkg });
    expect((await world.cli(['runtime', 'install', '--version', '1.0.0'], { home, env: { ANIMA_RUNTIME_PACKAGE: pkg } })).code).toBe(0);
    // The window draws the download's bar: an upgrade prepared in the background has none (test/upgrade/prepare.test.ts).
    expect((await world.cli(['config', 'set', 'updates.prepare', 'false'], { home, env: { ANIMA_RUNTIME_PACKAGE: pkg } })).code).toBe(0);
    // Work for the agent, so the drain has items to bring to a safe point (steps long enough to be seen draining).
    for (const id of ['a', 'b', 'c']) enqueue(home, { id, steps: 20, stepMs: 5000 });
    await page.getByTestId('start').click();
    await waitForState(page, 'svc-web', 'running');
    await expect.poll(() => page.locator('[data-testid="svc-agent"] .activity').innerText(), T).toMatch(/^2 active/);
    await page.getByTestId('check-updates').click();
    // Every measured bar the window shows, as it shows it.
    await page.evaluate(() => {
      const seen: string[] = [];
      Object.defineProperty(window, '__bars', { value: seen });
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll('#op-steps [role="progressbar"][aria-valuenow]')) {
          const entry = `${(bar.closest('[data-phase]') as HTMLElement).dataset.phase} ${bar.getAttribute('aria-valuenow')}/${bar.getAttribute('aria-valuemax')}`;
          if (seen[seen.length - 1] !== entry) seen.push(entry);
        }
      }).observe(document.getElementById('op-steps')!, { childList: true, subtree: true, attributes: true });
    });
    await page.getByTestId('banner-upgrade').getByTestId('upgrade').click();
    await section(page, 'Overview');
    // Mid-drain: what is done, what runs (with its bar), what is ahead.
    await page.locator('[data-testid="phase-drain"][data-state="active"] [role="progressbar"][aria-valuenow]').waitFor(T);
    expect(await page.locator('[data-testid="phase-download"]').getAttribute('data-state')).toBe('done');
    expect(await page.locator('[data-testid="phase-verify"]').getAttribute('data-state')).toBe('pending');
    expect(await text(page, 'glance-head')).toBe('Upgrade in progress…');
    await b.screenshot('06-upgrading', 'status-window-upgrading');
    const outcome = page.getByTestId('op-outcome');
    await outcome.locator('.outcome-head').waitFor({ timeout: 60_000 });
    const head = await outcome.innerText();
    expect(head).toContain('Upgrade finished');
    const steps = await page.getByTestId('op-steps').innerText();
    for (const s of ['Downloading', 'Draining', 'Starting', 'Verifying']) expect(steps).toContain(s);
    expect(steps).toContain('✓');
    expect(await page.locator('#op-steps [data-phase]').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.phase}:${(e as HTMLElement).dataset.state}`))).toEqual(['download:done', 'dependencies:done', 'drain:done', 'switch:done', 'start:done', 'verify:done']);
    // Determinate bars from the real events: the tarball's bytes, and both active items settling.
    const bars = await page.evaluate(() => (window as unknown as { __bars: string[] }).__bars);
    const download = bars.filter((x) => x.startsWith('download ')).pop()!;
    expect(download).toMatch(/^download (\d+)\/\1$/);
    expect(Number(download.split('/')[1])).toBeGreaterThan(1000);
    expect(bars).toContain('drain 0/2');
    expect(bars).toContain('drain 2/2');
    // The checks folded into one line, each one on demand.
    const checks = page.getByTestId('checks-verify');
    const summary = await checks.locator('summary').innerText();
    const [passed, total] = /^(\d+) of (\d+) checks passed$/.exec(summary)!.slice(1).map(Number);
    expect(passed).toBe(total);
    expect(total).toBeGreaterThanOrEqual(6);
    expect(await checks.getAttribute('open')).toBeNull();
    expect(await checks.getByText('server-info').isVisible()).toBe(false);
    await checks.locator('summary').click();
    await checks.getByText('server-info').waitFor(T);
    expect(await checks.locator('li').count()).toBe(total);
    await expect.poll(() => text(page, 'version'), T).toContain('1.1.0');
    await b.screenshot('07-upgraded');
  }, 90_000);

  it('upgrade to a broken version rolls back, and says why in plain words', async () => {
    const pkg = '@meetquinn/animactl-broken-e2e';
    await world.publishRuntime({ name: pkg, version: '1.0.0' });
    await world.publishRuntime({ name: pkg, version: '1.1.0', web: 'wrong-version' });
    const { bridge: b, page } = await open({ ANIMA_RUNTIME_PACKAGE: pkg });
    expect((await world.cli(['runtime', 'install', '--version', '1.0.0'], { home, env: { ANIMA_RUNTIME_PACKAGE: pkg } })).code).toBe(0);
    await page.getByTestId('start').click();
    await waitForState(page, 'svc-web', 'running');
    await page.getByTestId('check-updates').click();
    await page.getByTestId('banner-upgrade').getByTestId('upgrade').click();
    const outcome = page.getByTestId('op-outcome');
    await outcome.locator('.outcome-head').waitFor({ timeout: 60_000 });
    const head = await outcome.innerText();
    expect(head).toContain('rolled back to 1.0.0');
    expect(head).toMatch(/failed the check "server-info"/);
    // Explained first, in one sentence, before the phases that led there.
    expect(await text(page, 'rollback-sentence')).toBe('The new version failed the check "server-info", so Anima put 1.0.0 back and checked that it works.');
    expect(await page.locator('#operation').evaluate((el) => el.querySelector('#op-outcome')!.compareDocumentPosition(el.querySelector('#op-steps')!) & Node.DOCUMENT_POSITION_FOLLOWING)).toBeTruthy();
    // The failed check is open for all to see; the rollback's own checks passed.
    const verify = page.getByTestId('checks-verify');
    expect(await verify.getAttribute('open')).not.toBeNull();
    expect(await verify.locator('li.failed').innerText()).toContain('server-info');
    expect(await page.getByTestId('checks-rollback').locator('summary').innerText()).toMatch(/^(\d+) of \1 checks passed$/);
    expect(await page.getByTestId('phase-verify').getAttribute('data-state')).toBe('failed');
    // The banner no longer offers the failed version cheerfully: it says it failed, and offers a retry.
    await page.getByTestId('banner-failed-upgrade').waitFor(T);
    expect(await page.getByTestId('banner-upgrade').count()).toBe(0);
    expect(await page.getByTestId('op-steps').innerText()).toContain('✗');
    await b.screenshot('08-rolled-back', 'status-window-rolled-back');
    await outcome.getByTestId('outcome-show-log').click();
    await expect.poll(() => b.calls.showLog.length).toBe(1);
    await section(page, 'Overview');
    await waitForState(page, 'svc-web', 'running');
    expect(await text(page, 'version')).toContain('1.0.0');
  }, 90_000);

  it('a crashed agent: the overview says so first, and the charts mark the crash', async () => {
    const pkg = '@meetquinn/animactl-crashy-e2e';
    await world.publishRuntime({ name: pkg, version: '1.0.0', agent: 'crash-after', extra: { crashAfterMs: 3000 } });
    // One restart, then it stays crashed until someone acts.
    const { bridge: b, page } = await open({ ANIMA_RUNTIME_PACKAGE: pkg, ANIMA_RESTART_MAX_FAILURES: '1' });
    await page.getByTestId('start').click();
    await waitForState(page, 'svc-agent', 'crashed', 45_000);
    await expect.poll(() => text(page, 'glance-head'), T).toBe('agent crashed');
    expect(await page.getByTestId('glance').getAttribute('data-tone')).toBe('error');
    const cpu = page.getByTestId('chart-cpu');
    await expect.poll(() => cpu.locator('line.mark-crashed[data-service="agent"]').count(), T).toBe(2);
    expect(await page.getByTestId('chart-load').getByRole('img').getAttribute('aria-label')).toMatch(/2 crashes, 2 starts\.$/);
    await b.screenshot('10-crashed', 'status-window-crashed');
    expect(b.pageErrors).toEqual([]);
  }, 90_000);

  it('sections are tabs: arrows, Home and End move between them, each shows its panel alone', async () => {
    const { page } = await open();
    const tabs = page.getByRole('tablist', { name: 'Sections' }).getByRole('tab');
    expect(await tabs.allInnerTexts()).toEqual(['Overview', 'Updates', 'Logs', 'Settings']);
    expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    // One tab stop for the whole list (roving tabindex).
    expect(await tabs.evaluateAll((els) => els.map((e) => (e as HTMLElement).tabIndex))).toEqual([0, -1, -1, -1]);
    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Updates');
    expect(await page.getByRole('tabpanel').count()).toBe(1);
    expect(await page.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('tab-updates');
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('canary-toggle').waitFor({ state: 'visible', timeout: 5000 });
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Home');
    expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('tab-overview');
  });
});
