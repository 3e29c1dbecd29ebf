// The homes this user has opened with the app, most recent first: what the tray's "Homes"
// submenu and the window's Homes section list. Plain Node, no Electron.
//
// One small JSON file shared by every instance (one instance per home): main.ts keeps it
// in the app's own appData folder, not in an instance's userData, because an instance for
// a non-default home moves userData to a per-home profile folder. Each instance remembers
// its own home at startup, so the list only holds homes an instance actually opened.
// Two instances writing at the same moment can lose one entry (last writer wins); the
// write itself is atomic, so nobody ever reads a torn file.
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { writeJsonAtomic } from '../core/atomic';
import { AnimaError, errorCode } from '../core/errors';
import type { Environment } from '../shared/settings';
import type { HomeView } from '../shared/ipc-contract';

export const MAX_KNOWN_HOMES = 10;

export interface KnownHome {
  home: string;
  /** Its environment when last seen; absent until its supervisor (or offline status) said. */
  environment?: Environment;
  lastOpenedAt: string;
}

interface KnownHomesFile {
  version: 1;
  homes: KnownHome[];
}

const ENVIRONMENTS: readonly string[] = ['stable', 'canary', 'development'] satisfies Environment[];

function entryOf(v: unknown): KnownHome | null {
  if (typeof v !== 'object' || v === null) return null;
  const { home, environment, lastOpenedAt } = v as Record<string, unknown>;
  if (typeof home !== 'string' || !isAbsolute(home)) return null;
  return {
    home,
    ...(typeof environment === 'string' && ENVIRONMENTS.includes(environment) ? { environment: environment as Environment } : {}),
    lastOpenedAt: typeof lastOpenedAt === 'string' ? lastOpenedAt : '',
  };
}

/**
 * The known homes, most recent first. Never throws: a missing or unreadable file is an
 * empty list, and a corrupt one is renamed aside to `<file>.corrupt-<time>` (kept for a
 * human to look at, never overwritten by the next write) before answering [].
 */
export function listKnownHomes(file: string): KnownHome[] {
  return load(file).homes;
}

/** `writable` is false when a corrupt file could not be set aside: then nothing writes over it. */
function load(file: string): { homes: KnownHome[]; writable: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    // Missing: a first run. Unreadable: nothing to set aside, and nothing to write over either.
    return { homes: [], writable: errorCode(e) === 'ENOENT' };
  }
  try {
    const homes = (JSON.parse(text) as { homes?: unknown } | null)?.homes;
    if (!Array.isArray(homes)) throw new Error('no "homes" list');
    const entries = homes.map(entryOf).filter((h): h is KnownHome => h !== null);
    return { homes: entries.filter((h, i) => entries.findIndex((o) => o.home === h.home) === i), writable: true };
  } catch {
    try {
      renameSync(file, `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      return { homes: [], writable: true };
    } catch (e) {
      // Another instance set it aside first (then it is gone), or it can't be moved: left as it is.
      return { homes: [], writable: errorCode(e) === 'ENOENT' };
    }
  }
}

function update(file: string, change: (homes: KnownHome[]) => KnownHome[]): KnownHome[] {
  const { homes, writable } = load(file);
  if (!writable) throw new AnimaError('EKNOWNHOMES', `Could not update the list of known homes: ${file} is unreadable or corrupt and could not be set aside`);
  const next = change(homes).slice(0, MAX_KNOWN_HOMES);
  writeJsonAtomic(file, { version: 1, homes: next } satisfies KnownHomesFile);
  return next;
}

/**
 * Puts a home first (once: the same path is never listed twice), keeping the environment it
 * had when none is given, and at most MAX_KNOWN_HOMES homes. Returns the new list.
 */
export function rememberHome(file: string, home: string, environment?: Environment, now = new Date()): KnownHome[] {
  const h = resolve(home);
  return update(file, (known) => {
    const env = environment ?? known.find((k) => k.home === h)?.environment;
    return [{ home: h, ...(env ? { environment: env } : {}), lastOpenedAt: now.toISOString() }, ...known.filter((k) => k.home !== h)];
  });
}

/** Drops a home from the list (its folder is not touched). Returns the new list. */
export function forgetHome(file: string, home: string): KnownHome[] {
  const h = resolve(home);
  return update(file, (known) => known.filter((k) => k.home !== h));
}

/** "/home/u/.anima" → "~/.anima"; long paths keep their start and end. */
export function shortHomePath(home: string, userHome = homedir()): string {
  const base = userHome.replace(/[\\/]+$/, '');
  const p = base && (home === base || home.startsWith(base + sep)) ? `~${home.slice(base.length)}` : home;
  return p.length > 60 ? `${p.slice(0, 24)}…${p.slice(-35)}` : p;
}

/**
 * What the tray and the window list: the known homes in order, the current one marked (and
 * listed even if the file lost it), with its live environment when there is one.
 */
export function homeViews(known: KnownHome[], current: string, currentEnvironment?: string | null, userHome = homedir()): HomeView[] {
  const cur = resolve(current);
  const list = known.some((k) => k.home === cur) ? known : [{ home: cur, lastOpenedAt: '' }, ...known];
  return list.map((k) => {
    const isCurrent = k.home === cur;
    const environment = (isCurrent && currentEnvironment) || k.environment || null;
    return { home: k.home, label: shortHomePath(k.home, userHome), environment, current: isCurrent };
  });
}

/**
 * What a folder the user picked looks like: an Anima home (config.json), an empty folder
 * or missing (a new home), or something else (the app would add its files among the user's own).
 */
export function folderKind(dir: string): 'home' | 'empty' | 'other' {
  try {
    if (existsSync(join(dir, 'config.json'))) return 'home';
    return readdirSync(dir).length === 0 ? 'empty' : 'other';
  } catch (e) {
    return errorCode(e) === 'ENOENT' ? 'empty' : 'other'; // missing: a new home would be made there
  }
}
