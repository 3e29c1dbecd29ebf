// What the supervisor holds in memory for as long as it lives, checked on its bundle
// (dist/, built by the global setup): the idle resident memory it costs is measured by
// `npm run bench -- supervisor`; these are the causes found there, kept from coming back.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/world';

const DIST = join(REPO, 'dist');
const supervisor = () => readFileSync(join(DIST, 'supervisor.cjs'), 'utf8');
/** esbuild names every module it bundles in a comment: `// node_modules/zod/v4/mini/schemas.js`. */
const bundled = (text: string) => [...text.matchAll(/^\/\/ (?:\S*\/)?node_modules\/(\S+)$/gm)].map((m) => m[1]);

describe("the supervisor's footprint", () => {
  it('bundles zod/mini with the English messages only: no classic zod, no other locale', () => {
    const zod = bundled(supervisor()).filter((f) => f.startsWith('zod/'));
    expect(zod.length).toBeGreaterThan(0);
    expect(zod.filter((f) => f.startsWith('zod/v4/classic/'))).toEqual([]);
    expect(zod.filter((f) => f.startsWith('zod/v4/locales/'))).toEqual(['zod/v4/locales/en.js']);
  });

  it('does not load execa (an ES module with a dozen dependencies) to spawn the services', () => {
    expect(supervisor()).not.toMatch(/require\("execa"\)/);
  });

  it('every Node bundle is ASCII: one character past Latin-1 and V8 holds the whole source at two bytes a character', () => {
    for (const f of ['supervisor.cjs', 'registry-worker.cjs', 'cli.cjs', 'cli-commands.cjs', 'reify-child.cjs', 'npm-engine.cjs', 'npm-fetch.cjs', 'npm-config.cjs', join('app', 'main.cjs')]) {
      const wide = readFileSync(join(DIST, f), 'utf8').match(/[^\x00-\x7f]/);
      expect(wide?.[0], f).toBeUndefined();
    }
  });
});
