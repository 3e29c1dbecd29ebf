// The update policy, pure: which version a channel offers and whether that is an update.
// spec/cli.md: stable = `latest`, never a pre-release; canary = the greater of `canary`
// and `latest`; `available` only when the target is greater than what is installed.
import { describe, expect, it } from 'vitest';
import { channelTarget, decideUpdate } from '../../main/core/update-policy';

describe('channelTarget', () => {
  it('stable follows latest', () => {
    expect(channelTarget('stable', { latest: '1.1.0', canary: '1.2.0-canary.1' })).toEqual({ target: '1.1.0' });
  });

  it('stable never offers a pre-release, even when latest was put on one', () => {
    const r = channelTarget('stable', { latest: '2.0.0-beta.1', canary: '2.0.0-canary.3' });
    expect(r.target).toBeNull();
    expect(r.reason).toMatch(/pre-release 2\.0\.0-beta\.1/);
    expect(r.reason).toMatch(/never offers pre-releases/);
  });

  it('stable never falls back to the canary tag when latest is missing or not semver', () => {
    for (const tags of [{ canary: '1.2.0-canary.1' }, { latest: 'not-a-version', canary: '1.2.0' }, {}]) {
      const r = channelTarget('stable', tags);
      expect(r.target, JSON.stringify(tags)).toBeNull();
      expect(r.reason).toMatch(/latest/);
    }
  });

  it('canary takes the greater of canary and latest', () => {
    expect(channelTarget('canary', { latest: '1.1.0', canary: '1.2.0-canary.1' }).target).toBe('1.2.0-canary.1');
    // A canary user is never left behind a newer stable.
    expect(channelTarget('canary', { latest: '1.2.0', canary: '1.2.0-canary.7' }).target).toBe('1.2.0');
    expect(channelTarget('canary', { latest: '1.3.0', canary: '1.2.9-canary.1' }).target).toBe('1.3.0');
  });

  it('canary works with only one of the two tags, and ignores a tag that is not semver', () => {
    expect(channelTarget('canary', { latest: '1.1.0' }).target).toBe('1.1.0');
    expect(channelTarget('canary', { canary: '1.2.0-canary.1' }).target).toBe('1.2.0-canary.1');
    expect(channelTarget('canary', { latest: '1.1.0', canary: 'garbage' }).target).toBe('1.1.0');
    const none = channelTarget('canary', { beta: '9.0.0' });
    expect(none.target).toBeNull();
    expect(none.reason).toMatch(/neither a "canary" nor a "latest"/);
  });

  it('compares by semver, not as strings', () => {
    // As strings "1.9.0" > "1.10.0"; as versions it is the other way round.
    expect(channelTarget('canary', { latest: '1.9.0', canary: '1.10.0-canary.1' }).target).toBe('1.10.0-canary.1');
    expect(channelTarget('canary', { latest: '1.10.0', canary: '1.9.0' }).target).toBe('1.10.0');
    // Numeric pre-release identifiers compare as numbers: canary.10 > canary.9.
    expect(channelTarget('canary', { latest: '1.0.0', canary: '1.1.0-canary.10' }).target).toBe('1.1.0-canary.10');
    expect(channelTarget('canary', { latest: '1.1.0-canary.10', canary: '1.1.0-canary.9' }).target).toBe('1.1.0-canary.10');
    // A release is greater than its own pre-releases.
    expect(channelTarget('canary', { latest: '2.0.0', canary: '2.0.0-rc.9' }).target).toBe('2.0.0');
  });
});

describe('decideUpdate', () => {
  const tags = { latest: '1.1.0', canary: '1.2.0-canary.1' };

  it('offers latest on stable when it is newer than what is installed', () => {
    expect(decideUpdate({ channel: 'stable', current: '1.0.0', tags })).toEqual({
      channel: 'stable', current: '1.0.0', target: '1.1.0', available: true, downgrade: false, skipped: false, reason: undefined,
    });
  });

  it('is up to date when the target equals or is older than the current stable version', () => {
    expect(decideUpdate({ channel: 'stable', current: '1.1.0', tags })).toMatchObject({ target: '1.1.0', available: false, downgrade: false });
    // A stable user ahead of latest (latest moved back) is not offered a downgrade.
    expect(decideUpdate({ channel: 'stable', current: '1.5.0', tags })).toMatchObject({ target: '1.1.0', available: false, downgrade: false });
  });

  it('stable never offers a pre-release, even if latest is one and it is newer', () => {
    const d = decideUpdate({ channel: 'stable', current: '1.0.0', tags: { latest: '2.0.0-beta.1' } });
    expect(d).toMatchObject({ target: null, available: false, downgrade: false, skipped: false });
    expect(d.reason).toMatch(/pre-release/);
  });

  it('canary offers the greater of canary and latest', () => {
    expect(decideUpdate({ channel: 'canary', current: '1.1.0', tags })).toMatchObject({ target: '1.2.0-canary.1', available: true });
    expect(decideUpdate({ channel: 'canary', current: '1.2.0-canary.1', tags: { latest: '1.2.0', canary: '1.2.0-canary.1' } })).toMatchObject({ target: '1.2.0', available: true });
    expect(decideUpdate({ channel: 'canary', current: '1.2.0-canary.1', tags })).toMatchObject({ target: '1.2.0-canary.1', available: false, downgrade: false });
  });

  it('semver edge cases: 1.10.0 > 1.9.0, canary.10 > canary.9, release > its pre-release', () => {
    expect(decideUpdate({ channel: 'stable', current: '1.9.0', tags: { latest: '1.10.0' } }).available).toBe(true);
    expect(decideUpdate({ channel: 'stable', current: '1.10.0', tags: { latest: '1.9.0' } }).available).toBe(false);
    expect(decideUpdate({ channel: 'canary', current: '1.1.0-canary.9', tags: { canary: '1.1.0-canary.10' } }).available).toBe(true);
    expect(decideUpdate({ channel: 'canary', current: '1.1.0-canary.10', tags: { canary: '1.1.0-canary.9' } }).available).toBe(false);
    expect(decideUpdate({ channel: 'canary', current: '2.0.0-rc.1', tags: { latest: '2.0.0', canary: '2.0.0-rc.1' } }).available).toBe(true);
    expect(decideUpdate({ channel: 'canary', current: '2.0.0-alpha.1', tags: { canary: '2.0.0-beta.1' } }).available).toBe(true);
    // Build metadata does not make a version newer.
    expect(decideUpdate({ channel: 'stable', current: '1.1.0', tags: { latest: '1.1.0+build.7' } }).available).toBe(false);
  });

  it('a skipped version is not offered, but a newer one after it is', () => {
    const skipped = decideUpdate({ channel: 'stable', current: '1.0.0', tags, skipped: ['1.1.0'] });
    expect(skipped).toMatchObject({ target: '1.1.0', available: false, skipped: true });
    const next = decideUpdate({ channel: 'stable', current: '1.0.0', tags: { latest: '1.2.0' }, skipped: ['1.1.0'] });
    expect(next).toMatchObject({ target: '1.2.0', available: true, skipped: false });
  });

  it('leaving canary for stable offers the older stable only as an explicit downgrade', () => {
    const d = decideUpdate({ channel: 'stable', current: '1.2.0-canary.1', tags });
    expect(d).toMatchObject({ channel: 'stable', target: '1.1.0', available: false, downgrade: true });
    // When stable has caught up with (passed) the canary, it is a normal update.
    expect(decideUpdate({ channel: 'stable', current: '1.2.0-canary.1', tags: { latest: '1.2.0' } })).toMatchObject({ available: true, downgrade: false });
    // On the canary channel the same versions are never a downgrade offer.
    expect(decideUpdate({ channel: 'canary', current: '1.2.0-canary.1', tags: { latest: '1.1.0' } })).toMatchObject({ available: false, downgrade: false });
  });

  it('nothing installed yet: a target, but nothing "available" to upgrade', () => {
    expect(decideUpdate({ channel: 'stable', current: null, tags })).toMatchObject({ current: null, target: '1.1.0', available: false, downgrade: false });
  });
});
