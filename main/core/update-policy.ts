import semver from 'semver';
import type { Channel } from '../shared/settings';

export interface DistTags {
  [tag: string]: string | undefined;
}

export interface UpdateDecision {
  channel: Channel;
  current: string | null;
  /** What the channel offers now; null when it offers nothing usable. */
  target: string | null;
  /** target > current, and the user hasn't skipped it. */
  available: boolean;
  /** The channel's target is older than what runs (canary → stable): offered only as an explicit downgrade. */
  downgrade: boolean;
  /** The user chose to skip this target. */
  skipped: boolean;
  /** Why there is no target, in words. */
  reason?: string;
}

/**
 * Stable follows `latest` and never offers a pre-release, even if `latest` was
 * (mis)tagged onto one. Canary, an explicit opt-in, takes the greater of `canary`
 * and `latest`, so a canary user is never left behind a newer stable.
 */
export function channelTarget(channel: Channel, tags: DistTags): { target: string | null; reason?: string } {
  const latest = tags.latest && semver.valid(tags.latest) ? tags.latest : null;
  if (channel === 'stable') {
    if (!latest) return { target: null, reason: 'the registry has no valid "latest" dist-tag' };
    if (semver.prerelease(latest)) return { target: null, reason: `"latest" points at the pre-release ${latest}; the stable channel never offers pre-releases` };
    return { target: latest };
  }
  const candidates = [tags.canary, tags.latest].filter((v): v is string => !!v && semver.valid(v) !== null);
  if (candidates.length === 0) return { target: null, reason: 'the registry has neither a "canary" nor a "latest" dist-tag' };
  return { target: candidates.sort(semver.rcompare)[0] };
}

export function decideUpdate(input: { channel: Channel; current: string | null; tags: DistTags; skipped?: readonly string[] }): UpdateDecision {
  const { target, reason } = channelTarget(input.channel, input.tags);
  return decideAgainst({ ...input, target, reason });
}

/** The same decision from a target already known (a check's result), against what runs now. */
export function decideAgainst(input: { channel: Channel; current: string | null; target: string | null; reason?: string; skipped?: readonly string[] }): UpdateDecision {
  const { channel, current, target, reason } = input;
  const skipped = !!target && (input.skipped ?? []).includes(target);
  const newer = !!target && !!current && semver.gt(target, current);
  // Only a user who left canary for stable is offered an older version, and only explicitly.
  const downgrade = !!target && !!current && channel === 'stable' && semver.prerelease(current) !== null && semver.lt(target, current);
  return { channel, current, target, available: newer && !skipped, downgrade, skipped, reason };
}
