#!/usr/bin/env node
'use strict';
// The published bin: a stable path that loads the bundled CLI.
const { join } = require('node:path');
const { existsSync } = require('node:fs');
const entry = join(__dirname, '..', 'dist', 'cli.cjs');
if (!existsSync(entry)) {
  process.stderr.write(`animactl: ${entry} is missing; run \`npm run build\` in ${join(__dirname, '..')}\n`);
  process.exit(1);
}
// Loaded from here, the bundle is not require.main: start it explicitly.
require(entry).run();
