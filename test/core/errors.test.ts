import { describe, expect, it } from 'vitest';
import { AnimaError, errorBody } from '../../main/core/errors';

describe('errorBody: an error as it crosses a process boundary', () => {
  it('keeps an AnimaError whole, an errno code, and names anything else unexpected', () => {
    expect(errorBody(new AnimaError('EBUSY', 'An upgrade runs', { hint: 'Wait for it', details: { pid: 7 } }))).toEqual({ code: 'EBUSY', message: 'An upgrade runs', hint: 'Wait for it', details: { pid: 7 } });
    expect(errorBody(new AnimaError('EX', 'plain'))).toEqual({ code: 'EX', message: 'plain' });
    expect(errorBody(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toEqual({ code: 'ENOENT', message: 'no such file' });
    expect(errorBody(new Error('boom'))).toEqual({ code: 'EUNEXPECTED', message: 'boom' });
    expect(errorBody('text', 'EINTERNAL')).toEqual({ code: 'EINTERNAL', message: 'text' });
  });
});
