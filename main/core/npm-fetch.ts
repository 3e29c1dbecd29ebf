// pacote and cacache alone, bundled into dist/npm-fetch.cjs (see npm-engine.ts): what a
// process that only talks to a registry loads (the CLI resolving and downloading the
// runtime package, `upgrade --check`, the supervisor's registry worker), without Arborist.
/* eslint-disable @typescript-eslint/no-require-imports */
import type Pacote from 'pacote';
import type Cacache from 'cacache';

export const pacote: typeof Pacote = require('pacote');
export const cacache: typeof Cacache = require('cacache');
// Which files a package.json's `bin` names, as npm links them.
export const normalizeBin: (pkg: object) => { bin?: Record<string, string> } = require('npm-normalize-package-bin');
