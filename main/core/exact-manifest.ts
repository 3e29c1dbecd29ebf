import { errorCode } from './errors';
import type { PacoteLike } from './packument-prefetch';

/**
 * The manifest of an exact version: from npm's cached packument when that lists the version
 * (what a registry published under a version never changes), else from the registry, asked
 * afresh, since a cached copy older than the version must not pass for the registry's answer.
 * `options` must carry no packument cache shared with others: the second lookup would read
 * the stale copy from it again.
 */
export async function exactVersionManifest(pacote: PacoteLike, spec: string, options: Record<string, unknown>): Promise<Record<string, any>> {
  try {
    return await pacote.manifest(spec, { ...options, preferOffline: true });
  } catch (e) {
    if (errorCode(e) !== 'ETARGET') throw e;
    return pacote.manifest(spec, { ...options, preferOnline: true });
  }
}
