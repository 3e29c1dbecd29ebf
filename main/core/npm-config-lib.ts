// npm's own configuration reader, @npmcli/config with its definitions, bundled by
// scripts/build.mjs into dist/npm-config.cjs (see npm-engine.ts for why bundles): from
// node_modules it is about 60 files and 60 ms of `require` on every command that asks
// which registry a home uses; as one code-cached file, a fraction of that.
/* eslint-disable @typescript-eslint/no-require-imports */

export const Config: new (options: Record<string, unknown>) => any = require('@npmcli/config');
export const definitionsLib: { definitions: unknown; shorthands: unknown; flatten: unknown; nerfDarts: unknown } = require('@npmcli/config/lib/definitions');
