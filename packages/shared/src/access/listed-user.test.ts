import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isListedUser, vouchesForSender } from './listed-user.js';

describe('isListedUser', () => {
  it.each([
    ['a DingTalk sender by staff id', { senderStaffId: 'boss01', senderId: 's1', source: 'dingtalk' as const }, true],
    ['a sender of a job without source (DingTalk) by sender id', { senderId: 'boss01' }, true],
    ['a playground sender whose typed staff id is listed', { senderStaffId: 'boss01', senderId: 's1', source: 'playground' as const }, false],
    ['a playground sender whose sender id is listed', { senderId: 'boss01', source: 'playground' as const }, false],
  ])('%s → %s', (_, sender, listed) => {
    expect(isListedUser(new Set(['boss01']), sender)).toBe(listed);
  });

  it('never lists a playground sender, whatever ids they type and whatever the list holds', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.array(fc.string()), (staffId, senderId, others) => {
        const list = new Set([staffId, senderId, ...others]);
        expect(isListedUser(list, { senderStaffId: staffId, senderId, source: 'playground' })).toBe(false);
        expect(isListedUser(list, { senderStaffId: staffId, senderId, source: 'dingtalk' })).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('vouches for DingTalk\'s senders (and those of jobs stored before there was a source), never for the playground\'s', () => {
    expect([vouchesForSender('dingtalk'), vouchesForSender(undefined), vouchesForSender('playground')]).toEqual([true, true, false]);
  });
});
