// The packaging step, checked offline: electron-builder runs its whole pipeline against
// a stand-in Electron folder (the real binary can't be downloaded here), and we inspect
// what it packed. The stand-in is named as such: the result can't run, the layout is real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/world';

let tmp: string;
let out: string;
let result: ReturnType<typeof spawnSync>;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'anima-pack-'));
  const standIn = join(tmp, 'electron-stand-in');
  mkdirSync(join(standIn, 'resources'), { recursive: true });
  writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n');
  chmodSync(join(standIn, 'electron'), 0o755);
  for (const f of ['LICENSE', 'LICENSES.chromium.html', 'version']) writeFileSync(join(standIn, f), '');
  out = join(tmp, 'out');
  result = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules', 'electron-builder', 'cli.js'), '--linux', 'dir', `--config.electronDist=${standIn}`, `--config.directories.output=${out}`, '--publish', 'never'],
    { cwd: REPO, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, timeout: 120_000 },
  );
}, 150_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('electron-builder --dir (offline, stand-in Electron)', () => {
  it('packs the app, the supervisor, the CLI, production dependencies and the tray assets, and nothing else', async () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const resources = join(out, 'linux-unpacked', 'resources');
    const asar = await import('@electron/asar');
    const files = asar.listPackage(join(resources, 'app.asar'), { isPack: false }).map((f: string) => f.replace(/\\/g, '/'));
    for (const f of ['/package.json', '/dist/app/main.cjs', '/dist/preload.cjs', '/dist/renderer/index.html', '/dist/renderer/app.js', '/dist/supervisor.cjs', '/dist/cli.cjs', '/bin/animactl.cjs']) {
      expect(files, f).toContain(f);
    }
    for (const dep of ['pacote', '@npmcli/arborist', '@npmcli/config', 'execa', 'electron-log', 'semver', 'zod']) {
      expect(files, dep).toContain(`/node_modules/${dep}/package.json`);
    }
    // Development-only things stay out: tests, fixtures, sources, dev tools, logs, homes.
    const stray = files.filter((f: string) => /^\/(test|main|renderer|preload|scripts|bench|docs|\.anima-dev)\//.test(f) || /\.(log|map|ts)$/.test(f) && !f.startsWith('/node_modules/'));
    expect(stray).toEqual([]);
    for (const dev of ['electron', 'vitest', 'verdaccio', 'playwright', 'typescript', 'esbuild', 'electron-builder']) {
      expect(files.some((f: string) => f.startsWith(`/node_modules/${dev}/`)), dev).toBe(false);
    }
    // Tray icons for every platform, outside the archive where the tray reads them.
    for (const dir of ['linux', 'mac', 'win']) expect(readdirSync(join(resources, 'tray', dir)).length).toBeGreaterThan(0);
    expect(existsSync(join(resources, 'tray', 'mac', 'runningTemplate@2x.png'))).toBe(true);
    expect(existsSync(join(resources, 'tray', 'win', 'running.ico'))).toBe(true);
  });
});
