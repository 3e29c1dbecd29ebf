// ANIMA_SUPERVISOR_ENTRY points tests at a supervisor of their choosing; in a packaged app it
// must do nothing, or an inherited variable would make the app (or `animactl` run from it)
// start some other program as its supervisor. The packaged layout is a real folder named
// app.asar, as Electron shows the archive's paths to our code.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runsFromPackage, supervisorEntry } from '../../main/core/supervisor-process';

const tmp = mkdtempSync(join(tmpdir(), 'anima-entry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bundle(root: string): string {
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'app'), { recursive: true });
  writeFileSync(join(dist, 'supervisor.cjs'), '');
  return dist;
}

describe('supervisorEntry', () => {
  const packagedDist = bundle(join(tmp, 'Anima Desktop', 'resources', 'app.asar'));
  const checkoutDist = bundle(join(tmp, 'checkout'));
  const env = { ANIMA_SUPERVISOR_ENTRY: '/elsewhere/supervisor.cjs' };

  it('tells a packaged bundle (CLI beside the supervisor, or the app one level down) from a checkout', () => {
    expect(runsFromPackage(packagedDist)).toBe(true);
    expect(runsFromPackage(join(packagedDist, 'app'))).toBe(true);
    expect(runsFromPackage('C:\\Program Files\\Anima Desktop\\resources\\app.asar\\dist')).toBe(true);
    expect(runsFromPackage(checkoutDist)).toBe(false);
    expect(runsFromPackage(join(tmp, 'app.asar-notes', 'dist'))).toBe(false);
  });

  it('honours ANIMA_SUPERVISOR_ENTRY from a checkout', () => {
    expect(supervisorEntry({ dir: checkoutDist, env })).toBe(env.ANIMA_SUPERVISOR_ENTRY);
    expect(supervisorEntry({ dir: join(checkoutDist, 'app'), env: {} })).toBe(join(checkoutDist, 'supervisor.cjs'));
  });

  it('ignores it in a packaged app, detected from the path or told', () => {
    expect(supervisorEntry({ dir: packagedDist, env })).toBe(join(packagedDist, 'supervisor.cjs'));
    expect(supervisorEntry({ dir: join(packagedDist, 'app'), env })).toBe(join(packagedDist, 'supervisor.cjs'));
    expect(supervisorEntry({ dir: checkoutDist, env, packaged: true })).toBe(join(checkoutDist, 'supervisor.cjs'));
  });
});
