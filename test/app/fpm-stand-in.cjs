#!/usr/bin/env node
// Stand-in for fpm (which electron-builder downloads from GitHub, unreachable here), run by
// electron-builder through CUSTOM_FPM_PATH. It writes the arguments it got to
// <package>.fpm-args.json and builds a .deb holding only the control file, with the fields
// fpm's deb template fills from those arguments (-d → Depends, --deb-recommends →
// Recommends, one per flag, joined by ", "), so dpkg and apt can read and resolve it.
// The package's files are left out: only its metadata is under test. CI builds the real one.
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const args = process.argv.slice(2);
const single = {};
const multi = { '-d': [], '--deb-recommends': [] };
const files = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a in multi) multi[a].push(args[++i]);
  else if (['-s', '-t', '--name', '--version', '--architecture', '--maintainer', '--vendor', '--url', '--description', '--license', '--deb-priority', '--category', '--package', '--after-install', '--after-remove', '--deb-compression', '--iteration'].includes(a)) single[a] = args[++i];
  else if (a.startsWith('-')) continue; // --force and the like
  else files.push(a);
}
const out = single['--package'];
if (!out || single['-t'] !== 'deb') {
  process.stderr.write(`fpm stand-in: only -t deb with --package is stood in for (got ${args.join(' ')})\n`);
  process.exit(2);
}
writeFileSync(`${out}.fpm-args.json`, JSON.stringify(args, null, 2));

const [synopsis, ...rest] = (single['--description'] ?? '').split('\n');
const fields = [
  ['Package', single['--name']],
  ['Version', single['--version']],
  ['License', single['--license']],
  ['Vendor', single['--vendor']],
  ['Architecture', single['--architecture']],
  ['Maintainer', single['--maintainer']],
  ['Depends', multi['-d'].join(', ')],
  ['Recommends', multi['--deb-recommends'].join(', ')],
  ['Section', single['--category']],
  ['Priority', single['--deb-priority']],
  ['Homepage', single['--url']],
  ['Description', [synopsis.trim() || single['--name'], ...rest.map((l) => ` ${l.trim() || '.'}`)].join('\n')],
];
const control = fields.filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
const stage = mkdtempSync(join(tmpdir(), 'fpm-stand-in-'));
try {
  mkdirSync(join(stage, 'DEBIAN'));
  writeFileSync(join(stage, 'DEBIAN', 'control'), control);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, out], { stdio: ['ignore', 'ignore', 'inherit'] });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
