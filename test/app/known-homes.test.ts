import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderKind, forgetHome, homeViews, listKnownHomes, MAX_KNOWN_HOMES, rememberHome, shortHomePath } from '../../main/app/known-homes';

const tmp = () => mkdtempSync(join(tmpdir(), 'anima-known-homes-'));

describe('known homes (the shared list)', () => {
  it('answers [] for a missing file, and creates it on the first remember', () => {
    const dir = tmp();
    const file = join(dir, 'nested', 'known-homes.json');
    expect(listKnownHomes(file)).toEqual([]);
    rememberHome(file, '/srv/anima-a', 'stable');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, homes: [{ home: '/srv/anima-a', environment: 'stable' }] });
  });

  it('keeps each home once, the most recent first, and its environment when none is given', () => {
    const file = join(tmp(), 'known-homes.json');
    rememberHome(file, '/srv/a', 'stable');
    rememberHome(file, '/srv/b', 'canary');
    rememberHome(file, '/srv/a/', undefined); // the same home, spelled with a trailing slash
    const list = listKnownHomes(file);
    expect(list.map((k) => k.home)).toEqual(['/srv/a', '/srv/b']);
    expect(list[0].environment).toBe('stable');
    rememberHome(file, '/srv/a', 'development');
    expect(listKnownHomes(file)[0].environment).toBe('development');
  });

  it(`keeps at most ${MAX_KNOWN_HOMES}, dropping the oldest`, () => {
    const file = join(tmp(), 'known-homes.json');
    for (let i = 0; i < MAX_KNOWN_HOMES + 3; i++) rememberHome(file, `/srv/h${i}`);
    const list = listKnownHomes(file);
    expect(list).toHaveLength(MAX_KNOWN_HOMES);
    expect(list[0].home).toBe(`/srv/h${MAX_KNOWN_HOMES + 2}`);
    expect(list.map((k) => k.home)).not.toContain('/srv/h0');
  });

  it('forgets a home', () => {
    const file = join(tmp(), 'known-homes.json');
    rememberHome(file, '/srv/a');
    rememberHome(file, '/srv/b');
    expect(forgetHome(file, '/srv/a').map((k) => k.home)).toEqual(['/srv/b']);
    expect(listKnownHomes(file).map((k) => k.home)).toEqual(['/srv/b']);
    expect(forgetHome(file, '/srv/never').map((k) => k.home)).toEqual(['/srv/b']);
  });

  it.each([
    ['not JSON', '{"homes": [ {"home": "/srv/a"'],
    ['no list', '{"homes": "/srv/a"}'],
    ['empty', ''],
  ])('sets a corrupt file (%s) aside instead of overwriting it, and never throws', (_what, text) => {
    const dir = tmp();
    const file = join(dir, 'known-homes.json');
    writeFileSync(file, text);
    expect(listKnownHomes(file)).toEqual([]);
    const aside = readdirSync(dir).filter((f) => f.startsWith('known-homes.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(text);
    // The next write starts a fresh list; the corrupt bytes stay where they were put.
    rememberHome(file, '/srv/b');
    expect(listKnownHomes(file).map((k) => k.home)).toEqual(['/srv/b']);
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(text);
  });

  it('drops entries that are not absolute paths or listed twice, keeping the rest', () => {
    const file = join(tmp(), 'known-homes.json');
    writeFileSync(file, JSON.stringify({ version: 1, homes: [{ home: '/srv/a', environment: 'weird' }, { home: 'relative' }, 7, { home: '/srv/b' }, { home: '/srv/a' }] }));
    expect(listKnownHomes(file)).toEqual([{ home: '/srv/a', lastOpenedAt: '' }, { home: '/srv/b', lastOpenedAt: '' }]);
  });

  it('shows paths under the user home with ~, marks the current home and lists it even when the file lost it', () => {
    expect(shortHomePath('/home/u/.anima', '/home/u')).toBe('~/.anima');
    expect(shortHomePath('/home/u', '/home/u')).toBe('~');
    expect(shortHomePath('/home/user2/.anima', '/home/u')).toBe('/home/user2/.anima');
    const long = shortHomePath(`/srv/${'x'.repeat(100)}/end`, '/home/u');
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).toMatch(/^\/srv\/x+…x+\/end$/);

    const known = [{ home: '/home/u/work', environment: 'development' as const, lastOpenedAt: '' }, { home: '/home/u/.anima', environment: 'stable' as const, lastOpenedAt: '' }];
    expect(homeViews(known, '/home/u/.anima', 'canary', '/home/u')).toEqual([
      { home: '/home/u/work', label: '~/work', environment: 'development', current: false },
      { home: '/home/u/.anima', label: '~/.anima', environment: 'canary', current: true },
    ]);
    expect(homeViews([], '/srv/new', null, '/home/u')).toEqual([{ home: '/srv/new', label: '/srv/new', environment: null, current: true }]);
  });

  it('tells a home, an empty folder and any other folder apart (for the folder picker)', () => {
    const dir = tmp();
    expect(folderKind(dir)).toBe('empty');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(folderKind(dir)).toBe('other');
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'config.json'), '{}');
    expect(folderKind(home)).toBe('home');
    expect(folderKind(join(dir, 'missing'))).toBe('empty');
    expect(folderKind(join(dir, 'notes.txt'))).toBe('other'); // a file, not a folder
  });
});
