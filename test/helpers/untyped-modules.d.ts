// Minimal typings for test-only dependencies that ship none (and have no @types).
// Only what test/helpers uses; widen when needed.

declare module 'libnpmpack' {
  /** Packs a spec (e.g. 'file:/abs/dir') and returns the .tgz bytes. Options are pacote/npm flat options. */
  export default function pack(spec?: string, opts?: Record<string, unknown>): Promise<Buffer>;
}

declare module 'libnpmpublish' {
  /** PUTs a package document built from the manifest and tarball. Options are npm-registry-fetch flat options. */
  export function publish(
    manifest: Record<string, unknown>,
    tarball: Buffer,
    opts?: Record<string, unknown>,
  ): Promise<unknown>;
  export function unpublish(spec: string, opts?: Record<string, unknown>): Promise<boolean>;
}
