// The import graph of main/, preload/ and renderer/, as esbuild resolves it (the same
// resolver scripts/build.mjs bundles with), and the layering rules checked against it.
import { build, type Plugin } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';

export interface Edge {
  from: string;
  /** A repository path (main/core/errors.ts), `node:<name>` for a Node builtin, or a package name. */
  to: string;
  kind: 'file' | 'builtin' | 'package';
}
export interface Graph {
  files: string[];
  edges: Edge[];
}

export const ROOTS = ['main', 'preload', 'renderer'];

function sources(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const p = `${dir}/${d.name}`;
    if (d.isDirectory()) return sources(root, p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * esbuild drops type-only imports before it resolves anything, yet a renderer that
 * `import type`s from main/core still depends on it. So each file is handed to esbuild
 * with its type-only imports turned into bare imports of the same module (and
 * verbatimModuleSyntax keeps the `import { type X }` ones): the graph then holds every
 * edge a reader sees, resolved exactly as the bundler resolves them.
 */
const keepTypeImports = (root: string): Plugin => ({
  name: 'keep-type-imports',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = relative(root, args.path);
      if (rel.startsWith('..') || rel.includes('node_modules')) return undefined;
      const src = readFileSync(args.path, 'utf8')
        .replace(/\bimport\s+type\s+[^;]*?\s+from\s*(['"][^'"]+['"])/g, 'import $1')
        .replace(/\bexport\s+type\s*\{[^}]*\}\s*from\s*(['"][^'"]+['"])/g, 'import $1');
      return { contents: src, loader: 'ts' };
    });
  },
});

/** A built bundle required by path at run time, and the source it is built from (scripts/build.mjs). */
const BUNDLES: Record<string, string> = { './cli-commands.cjs': 'main/cli/index.ts' };

export async function importGraph(root: string, roots: string[] = ROOTS): Promise<Graph> {
  const files = roots.flatMap((r) => sources(root, r)).sort();
  const result = await build({
    absWorkingDir: root,
    entryPoints: files,
    bundle: true,
    write: false,
    metafile: true,
    outdir: join(root, '.import-graph'),
    outbase: '.',
    platform: 'node',
    format: 'esm',
    packages: 'external',
    // Bundles that load each other at run time (the CLI's front hands over to its commands).
    external: Object.keys(BUNDLES),
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    plugins: [keepTypeImports(root)],
  });
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const [from, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      let edge: Edge;
      if (!imp.external) edge = { from, to: imp.path, kind: 'file' };
      else if (BUNDLES[imp.path]) edge = { from, to: BUNDLES[imp.path], kind: 'file' };
      else if (isBuiltin(imp.path)) edge = { from, to: imp.path.startsWith('node:') ? imp.path : `node:${imp.path}`, kind: 'builtin' };
      else edge = { from, to: packageName(imp.path), kind: 'package' };
      const key = `${edge.from}\0${edge.to}`;
      if (!seen.has(key)) edges.push(edge), seen.add(key);
    }
  }
  return { files, edges };
}

/** Each import cycle among files, as the files of one strongly connected component (Tarjan). */
export function cycles(g: Graph): string[][] {
  const next = new Map<string, string[]>();
  for (const e of g.edges) if (e.kind === 'file') next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string): void => {
    index.set(v, i);
    low.set(v, i++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of [...new Set([...g.files, ...g.edges.map((e) => e.from)])]) if (!index.has(v)) visit(v);
  return out;
}

const under = (p: string, dir: string) => p.startsWith(`${dir}/`);

/**
 * The layers (docs/design.md): shared ← core ← supervisor, cli, app; Electron only at the
 * app's edge (main/app/electron/) and in the preload; the renderer is a web page.
 * Each violation in words, naming the import.
 */
export function layerViolations(g: Graph): string[] {
  const bad: string[] = [];
  for (const e of g.edges) {
    const { from, to, kind } = e;
    const say = (why: string) => bad.push(`${from} imports ${to}: ${why}`);
    if (kind === 'package' && to === 'electron' && !under(from, 'main/app/electron') && !under(from, 'preload')) say('only main/app/electron/ and preload/ may import electron');
    if (under(from, 'main/core') && kind === 'file' && (under(to, 'main/supervisor') || under(to, 'main/cli') || under(to, 'main/app'))) say('core is below the supervisor, the CLI and the app');
    if (under(from, 'main/shared')) {
      if (kind === 'file' && !under(to, 'main/shared')) say('shared holds only shared types and schemas');
      if (kind === 'builtin') say('shared code runs in the renderer and the preload too: no Node builtins');
      if (kind === 'package' && to !== 'zod' && to !== 'semver') say('shared may use only zod and semver');
    }
    if (under(from, 'renderer')) {
      if (kind === 'builtin') say('the renderer is a sandboxed web page: no Node');
      if (kind === 'file' && !under(to, 'renderer') && !under(to, 'main/shared')) say('the renderer may import only renderer/ and main/shared/');
      if (kind === 'package') say('the renderer is bundled from our own code and main/shared only');
    }
    if (under(from, 'preload')) {
      if (kind === 'file' && !under(to, 'main/shared') && !under(to, 'preload')) say('the preload may import only electron and main/shared/');
      if (kind === 'builtin') say('a sandboxed preload can require only electron');
      if (kind === 'package' && to !== 'electron') say('the preload may import only electron and main/shared/');
    }
  }
  return bad;
}
