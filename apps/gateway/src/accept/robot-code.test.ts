import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_ROBOT_CODE, robotCodesOf, type Robot } from '@dtbot/shared';
import { Refusal } from './refusal.js';
import { robotCodeFor } from './robot-code.js';

const robot = (appKey: string | undefined, appSecret: string): Robot => ({ robotCode: appKey, appKey, appSecret, options: { memoryScope: 'user' } });
const A = robot(undefined, 'secret-a');
const B = robot('dingrobotb', 'secret-b');
const CODES = robotCodesOf([A, B]);
const codeOf = (signer: Robot, claimed: string | undefined) => robotCodeFor(signer, { msgId: 'm1', robotCode: claimed }, CODES);

describe('robotCodeFor', () => {
  it.each([
    ['a robot with an AppKey, whatever the payload claims', B, 'dingother', 'dingrobotb'],
    ['a robot with an AppKey, the payload claiming nothing', B, undefined, 'dingrobotb'],
    ['a robot without AppKey, the payload naming a code nobody here has', A, 'dingunknown', 'dingunknown'],
    ['a robot without AppKey, the payload naming none', A, undefined, ''],
  ])('%s → %s', (_, signer, claimed, code) => {
    expect(codeOf(signer, claimed)).toBe(code);
  });

  it.each([
    ['another configured robot\'s code', 'dingrobotb'],
    ['the playground\'s code', PLAYGROUND_ROBOT_CODE],
  ])('refuses a robot without AppKey whose payload claims %s, as robot_code_taken', (_, claimed) => {
    expect(() => codeOf(A, claimed)).toThrow(expect.objectContaining({ code: 'robot_code_taken', msgId: 'm1' }));
  });

  it('never gives a robot without AppKey one of the deployment\'s codes, and refuses only with a Refusal, for any claim', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...CODES)), (claimed) => {
        try {
          expect(CODES.has(codeOf(A, claimed))).toBe(false);
        } catch (error) {
          expect(error).toBeInstanceOf(Refusal);
          expect(CODES.has(claimed)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
