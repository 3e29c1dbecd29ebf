// The GitHub Actions workflows can't run here (no Electron binary, no runners), so a broken
// one must at least not land: each is validated against the workflow schema by
// @action-validator/cli, as CI would refuse it, and read for what issue 13 asks of them.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/world';

const WORKFLOWS = join(REPO, '.github', 'workflows');
const requireFromRepo = createRequire(join(REPO, 'package.json'));
const validatorCli = requireFromRepo.resolve('@action-validator/cli/cli.mjs');
// js-yaml comes with electron-builder.
const yaml = requireFromRepo('js-yaml') as { load(s: string): unknown };

function validate(file: string) {
  return spawnSync(process.execPath, [validatorCli, file], { cwd: REPO, encoding: 'utf8' });
}

interface Step {
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  needs?: string;
  container?: string;
  env?: Record<string, string>;
  strategy?: { matrix: { os?: string[]; node?: number[]; include?: { name: string; os: string }[] } };
  steps: Step[];
}
const workflow = (name: string) => yaml.load(readFileSync(join(WORKFLOWS, name), 'utf8')) as { jobs: Record<string, Job> };
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

describe('GitHub Actions workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it('are there: CI and packaging', () => {
    expect(files.sort()).toEqual(['ci.yml', 'package.yml']);
  });

  it.each(files)('%s passes @action-validator/cli', (f) => {
    const r = validate(join(WORKFLOWS, f));
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('the validator does reject a broken workflow (a misspelt key)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anima-wf-'));
    try {
      const broken = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8').replace('    steps:\n', '    step:\n');
      writeFileSync(join(dir, 'broken.yml'), broken);
      const r = validate(join(dir, 'broken.yml'));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("Additional property 'step' is not allowed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CI runs the whole suite on Linux (under Xvfb), macOS and Windows with Node 20 and 22, Electron downloaded and required', () => {
    const test = workflow('ci.yml').jobs.test;
    const matrix = test.strategy!.matrix;
    expect(matrix.os!.map((os) => os.split('-')[0]).sort()).toEqual(['macos', 'ubuntu', 'windows']);
    expect(matrix.node).toEqual([20, 22]);
    expect(test.env?.ANIMA_REQUIRE_ELECTRON).toBe('1');
    expect(runs(test)).toContain('npm ci');
    expect(runs(test)).toMatch(/xvfb-run .*npm test/);
    expect(runs(test)).toContain('ANIMA_CHROMIUM_PATH=');
    expect(readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8')).not.toContain('ELECTRON_SKIP_BINARY_DOWNLOAD');
  });

  it('packaging builds on the three systems without publishing, uploads, smoke-tests the AppImage and installs the deb on Debian 12', () => {
    const { jobs } = workflow('package.yml');
    expect(jobs.package.strategy!.matrix.include!.map((i) => i.os.split('-')[0]).sort()).toEqual(['macos', 'ubuntu', 'windows']);
    expect(runs(jobs.package)).toContain('npm run dist');
    expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts.dist).toMatch(/electron-builder .*--publish never/);
    const upload = jobs.package.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    for (const ext of ['AppImage', 'deb', 'dmg', 'exe']) expect(String(upload?.with?.path)).toContain(`out/*.${ext}`);
    expect(runs(jobs.package)).toMatch(/xvfb-run .*npx tsx scripts\/smoke-appimage\.ts out\/\*\.AppImage/);
    expect(existsSync(join(REPO, 'scripts', 'smoke-appimage.ts'))).toBe(true);
    expect(jobs['deb-on-debian-12'].container).toBe('debian:12');
    expect(runs(jobs['deb-on-debian-12'])).toContain('apt-get install -y ./out/*.deb');
  });
});
