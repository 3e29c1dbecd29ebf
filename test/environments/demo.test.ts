import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/world';

describe('npm run demo -- --headless', () => {
  it('walks through install, upgrade, canary and a rolled-back upgrade, offline', async () => {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO, 'scripts', 'demo.ts'), '--headless'], {
        cwd: REPO,
        env: { ...process.env, HOME: join(REPO, 'node_modules', '.cache', 'demo-home'), ANIMA_HOME: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('close', (code) => resolve({ code, text }));
    });
    expect(out.code, out.text).toBe(0);
    expect(out.text).toMatch(/Upgraded 1\.0\.0 → 1\.1\.0; verified/);
    expect(out.text).toMatch(/Upgraded 1\.1\.0 → 1\.2\.0-canary\.1; verified/);
    expect(out.text).toMatch(/Upgrade to 1\.3\.0 failed: server-info: .*Rolled back to 1\.2\.0-canary\.1, which runs again \(verified\)/);
    expect(out.text).toMatch(/Demo finished/);
  }, 180_000);
});
