// spec/cli.md: "After `npm ci` in the checkout, `npx animactl …` works from the repository
// root with no further build step." The other tests run dist/cli.cjs directly; these go
// through the published bin, the way users and scripts do.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/world';

describe('the animactl bin', () => {
  it('`npx animactl --help` from the repository root prints the commands', () => {
    const r = spawnSync('npx', ['--no-install', 'animactl', '--help'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: animactl <command>/);
    expect(r.stdout).toMatch(/upgrade/);
  });

  it('bin/animactl.cjs runs commands and passes their exit codes on', () => {
    const home = join(mkdtempSync(join(tmpdir(), 'anima-bin-')), 'home');
    const ok = spawnSync(process.execPath, [join(REPO, 'bin', 'animactl.cjs'), 'status', '--json'], { encoding: 'utf8', env: { ...process.env, ANIMA_HOME: home } });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ home, services: { web: { state: 'stopped' } }, supervisor: null });
    const bad = spawnSync(process.execPath, [join(REPO, 'bin', 'animactl.cjs'), 'status', '--nope'], { encoding: 'utf8', env: { ...process.env, ANIMA_HOME: home } });
    expect(bad.status).toBe(2);
  });
});
