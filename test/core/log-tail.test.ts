import { describe, expect, it } from 'vitest';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rotateIfLarge, tailLines } from '../../main/core/log-tail';

describe('service logs', () => {
  it('rotation copies the log aside and truncates it in place, so a service writing through O_APPEND carries on in the live file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anima-logs-'));
    const log = join(dir, 'web.log');
    // As the supervisor hands it to a service: an append-mode descriptor.
    const fd = openSync(log, 'a');
    writeSync(fd, 'old line\n'.repeat(200));
    expect(rotateIfLarge(log, 10_000)).toBe(false);
    writeSync(fd, 'old line\n'.repeat(2000));
    expect(rotateIfLarge(log, 10_000)).toBe(true);
    writeSync(fd, 'new line\n');
    closeSync(fd);
    expect(readFileSync(log, 'utf8')).toBe('new line\n');
    expect(readFileSync(`${log}.1`, 'utf8').split('\n').filter(Boolean)).toHaveLength(2200);
    // Older generations shift: .1 → .2, and no further than `keep`.
    writeFileSync(log, 'x'.repeat(20_000));
    rotateIfLarge(log, 10_000, 2);
    expect(readFileSync(`${log}.2`, 'utf8').startsWith('old line')).toBe(true);
    expect(existsSync(`${log}.3`)).toBe(false);
  });

  it('tailLines reads only the end and returns the last N lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anima-logs-'));
    const log = join(dir, 'agent.log');
    writeFileSync(log, Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLines(log, 3)).toEqual(['line 99997', 'line 99998', 'line 99999']);
    expect(tailLines(join(dir, 'missing.log'), 3)).toEqual([]);
  });
});
