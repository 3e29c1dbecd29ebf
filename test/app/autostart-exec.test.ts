// The XDG autostart entry's Exec line, read back the way GLib (GNOME, and most autostart
// implementations) reads it: once by a small reimplementation of GLib's rules, and once by
// GLib itself (`gio launch`) where it is installed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desktopEntry } from '../../main/app/autostart';

/** g_key_file_parse_value_as_string: the general unescape; any other backslash pair is an error. */
function keyFileString(raw: string): string {
  return raw.replace(/\\(.?)/g, (_m, c: string) => {
    const map: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };
    if (!(c in map)) throw new Error(`GLib: Key file contains invalid escape sequence "\\${c}"`);
    return map[c];
  });
}

/** GDesktopAppInfo's field codes (none given here: %% is a percent, the others expand to nothing). */
function expandFieldCodes(exec: string): string {
  return exec.replace(/%(.)/g, (_m, c: string) => (c === '%' ? '%' : ''));
}

/** g_shell_parse_argv: blanks split, '…' is literal, "…" unescapes only $ ` " \ and newline. */
function shellParseArgv(line: string): string[] {
  const argv: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (cur !== null) argv.push(cur);
      cur = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('GLib: unmatched quotation mark');
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      cur ??= '';
      for (i++; line[i] !== '"'; i++) {
        if (i >= line.length) throw new Error('GLib: unmatched quotation mark');
        if (line[i] === '\\' && '$`"\\\n'.includes(line[i + 1])) i++;
        cur += line[i];
      }
    } else if (c === '\\') {
      if (line[i + 1] !== '\n') cur = (cur ?? '') + (line[i + 1] ?? '');
      i++;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) argv.push(cur);
  return argv;
}

function execArgv(entry: string): string[] {
  const raw = /^Exec=(.*)$/m.exec(entry)![1];
  return shellParseArgv(expandFieldCodes(keyFileString(raw)));
}

// A backslash, quotes of both kinds, a dollar and spaces in the program and in an argument,
// and a percent in the argument: GLib looks for the program before expanding %%, so a
// program path holding a percent can't be launched by it however it is written.
const dir = join(mkdtempSync(join(tmpdir(), 'anima-exec-')), `it's "a" \\dir $HOME`);
const program = join(dir, 'anima-desktop');
const args = ['--hidden', '--home', '/home/u/my \\anima "x" $PATH `id` 50%'];

describe('the autostart Exec line, as GLib reads it', () => {
  it('gives back the program and every argument exactly', () => {
    expect(execArgv(desktopEntry(program, args))).toEqual([program, ...args]);
    expect(execArgv(desktopEntry('/opt/Anima Desktop/anima-desktop', ['--hidden']))).toEqual(['/opt/Anima Desktop/anima-desktop', '--hidden']);
  });

  it('refuses what GLib refuses (the reimplementation is strict enough to catch a bad quoting)', () => {
    expect(() => keyFileString('"a \\"b\\""')).toThrow(/invalid escape/);
    expect(shellParseArgv(`'a b' "c\\d" e\\ f`)).toEqual(['a b', 'c\\d', 'e f']);
  });

  it.skipIf(!existsSync('/usr/bin/gio'))('launches with exactly these arguments through GLib itself (gio launch)', () => {
    mkdirSync(dir, { recursive: true });
    const out = join(dir, '..', 'argv.txt');
    // The program records the arguments it was given, one per line.
    writeFileSync(program, `#!/bin/sh\nfor a in "$0" "$@"; do printf '%s\\n' "$a"; done > '${out.replace(/'/g, `'\\''`)}'\n`);
    chmodSync(program, 0o755);
    const file = join(dir, '..', 'anima-desktop.desktop');
    writeFileSync(file, desktopEntry(program, args));
    const r = spawnSync('/usr/bin/gio', ['launch', file], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status, r.stderr).toBe(0);
    const deadline = Date.now() + 5000;
    while (!existsSync(out) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    expect(readFileSync(out, 'utf8').split('\n').slice(0, -1)).toEqual([program, ...args]);
  });
});
