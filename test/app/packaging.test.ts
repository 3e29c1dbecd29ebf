// The packaging step, checked offline: electron-builder runs its whole pipeline against
// a stand-in Electron folder (the real binary can't be downloaded here), and we inspect
// what it packed. The stand-ins are named as such: the result can't run, the layout is real.
// The stand-in binary carries a fuse wire as Electron's does (the sentinel, version 1, and
// Electron's default states), so electron-builder's own fuse step flips it and we read it
// back. Where dpkg-deb exists, the deb target runs too, with a stand-in fpm (fpm-stand-in.cjs:
// electron-builder downloads the real one from GitHub) that turns the arguments
// electron-builder computed into the package's control fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/world';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's defaults in @electron/fuses' order: RunAsNode on, CookieEncryption off,
// NodeOptions on, NodeCliInspect on, AsarIntegrity off, OnlyLoadAppFromAsar off,
// BrowserProcessSpecificV8Snapshot off, GrantFileProtocolExtraPrivileges on.
const DEFAULT_WIRE = '10110001';

const debHere = process.platform === 'linux' && spawnSync('dpkg-deb', ['--version']).status === 0;
const bookworm = existsSync('/etc/os-release') && /^VERSION_CODENAME=bookworm$/m.test(readFileSync('/etc/os-release', 'utf8'));

let tmp: string;
let out: string;
let result: ReturnType<typeof spawnSync>;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'anima-pack-'));
  const standIn = join(tmp, 'electron-stand-in');
  mkdirSync(join(standIn, 'resources'), { recursive: true });
  const wire = Buffer.concat([Buffer.from(SENTINEL), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE)]);
  writeFileSync(join(standIn, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary"\nexit 0\n'), wire, Buffer.from('\n')]));
  chmodSync(join(standIn, 'electron'), 0o755);
  for (const f of ['LICENSE', 'LICENSES.chromium.html', 'version']) writeFileSync(join(standIn, f), '');
  out = join(tmp, 'out');
  result = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules', 'electron-builder', 'cli.js'), '--linux', debHere ? 'deb' : 'dir', `--config.electronDist=${standIn}`, `--config.directories.output=${out}`, '--publish', 'never'],
    {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ...(debHere ? { CUSTOM_FPM_PATH: join(__dirname, 'fpm-stand-in.cjs') } : {}) },
      timeout: 120_000,
    },
  );
}, 150_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('electron-builder, Linux (offline, stand-in Electron)', () => {
  it('packs the app, the supervisor, the CLI, production dependencies and the tray assets, and nothing else', async () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const resources = join(out, 'linux-unpacked', 'resources');
    const asar = await import('@electron/asar');
    const files = asar.listPackage(join(resources, 'app.asar'), { isPack: false }).map((f: string) => f.replace(/\\/g, '/'));
    for (const f of ['/package.json', '/dist/app/main.cjs', '/dist/preload.cjs', '/dist/preload-bar.cjs', '/dist/renderer/index.html', '/dist/renderer/app.js', '/dist/renderer/bar/index.html', '/dist/renderer/bar/bar.js', '/dist/supervisor.cjs', '/dist/cli.cjs', '/bin/animactl.cjs']) {
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
  it('flips the fuses: RunAsNode stays on (the CLI and the supervisor are the binary run as Node), NODE_OPTIONS and --inspect off, asar-only with integrity, cookies encrypted, file:// unprivileged', async () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const { getCurrentFuseWire, FuseV1Options } = await import('@electron/fuses');
    const wire = (await getCurrentFuseWire(join(out, 'linux-unpacked', 'anima-desktop'))) as unknown as Record<number, number>;
    const state = (o: number) => String.fromCharCode(wire[o]);
    expect(state(FuseV1Options.RunAsNode)).toBe('1');
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe('0');
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe('0');
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe('1');
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe('1');
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe('1');
    // Our pages are served as anima-app://, so file:// needs none of its extra privileges.
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe('0');
    // Not configured: left as Electron ships it.
    expect(state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot)).toBe('0');
  });

  it.skipIf(!debHere)("the deb declares electron-builder's default dependencies and only recommends the indicator library", () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const debs = readdirSync(out).filter((f) => f.endsWith('.deb'));
    expect(debs).toHaveLength(1);
    const deb = join(out, debs[0]);
    const field = (name: string) => spawnSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).stdout.trim();
    expect(field('Package')).toBe('anima-desktop');
    expect(field('Maintainer')).toBe('Anima Desktop team <desktop@meetquinn.ai>');
    expect(field('Homepage')).toBe('https://anima.meetquinn.ai');
    const depends = field('Depends').split(/,\s*/);
    expect(depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0']));
    expect(depends.filter((d) => /appindicator/.test(d))).toEqual([]);
    expect(field('Recommends')).toBe('libappindicator3-1');
  });

  it.skipIf(!debHere || !bookworm)('apt on Debian 12 resolves every declared dependency (simulated install)', () => {
    const deb = join(out, readdirSync(out).find((f) => f.endsWith('.deb'))!);
    const apt = spawnSync('apt-get', ['install', '--simulate', deb], { encoding: 'utf8' });
    expect(apt.status, `${apt.stdout}\n${apt.stderr}`).toBe(0);
    expect(apt.stdout).toMatch(/^Inst anima-desktop /m);
  });
});
