// npm's engine as this product uses it (pacote, Arborist, cacache), bundled by
// scripts/build.mjs into one file, dist/npm-engine.cjs. From node_modules these are about
// 500 small files, and resolving and compiling them one by one cost every install ~450 ms
// before any work (measured: `require('@npmcli/arborist')` 400-450 ms, the same code as one
// bundle 160 ms). Only processes that talk to a registry or install load it, through
// `npmEngine()` (npm-engine-load.ts), never by import: a bundle importing this file would
// carry all of it. What only fetches (resolve a version, download the runtime's tarball)
// loads the smaller dist/npm-fetch.cjs (npm-fetch.ts) instead.
/* eslint-disable @typescript-eslint/no-require-imports */

import type { PackumentStore } from './packument-prefetch';

export { pacote, cacache, normalizeBin } from './npm-fetch';
// Arborist ships no types; reify-child.ts describes the parts it uses.
export const Arborist: new (options: Record<string, unknown>) => any = require('@npmcli/arborist');
export const Shrinkwrap: { metaFromNode(node: unknown, path: string): Record<string, unknown> } = require('@npmcli/arborist/lib/shrinkwrap.js');
export const npa: { resolve(name: string, spec: string, where?: string): { type: string } } = require('npm-package-arg');
export const PackumentCache: new () => PackumentStore = require('@npmcli/arborist/lib/packument-cache.js');
