import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recognizeScheduleCommand } from './schedule-command.js';

const WORDS = ['/schedule', '定时'];

describe('recognizeScheduleCommand', () => {
  it.each([
    ['/schedule', { action: 'list' }],
    ['  /SCHEDULE  ', { action: 'list' }],
    ['/schedule list', { action: 'list' }],
    ['定时', { action: 'list' }],
    ['/schedule 0 9 * * 1-5 总结昨天的待办', { action: 'add', pattern: '0 9 * * 1-5', prompt: '总结昨天的待办' }],
    ['定时 */5  8-18 * * *   提醒大家\n喝水', { action: 'add', pattern: '*/5 8-18 * * *', prompt: '提醒大家\n喝水' }],
    ['/schedule 0 9 * *', { action: 'add', pattern: '0 9 * *', prompt: '' }],
    ['/schedule every day 总结', { action: 'add', pattern: 'every day 总结', prompt: '' }],
    ['/schedule remove ab12cd', { action: 'remove', id: 'ab12cd' }],
    ['定时 删除 ab12cd', { action: 'remove', id: 'ab12cd' }],
    ['/schedule run ab12cd', { action: 'run', id: 'ab12cd' }],
    ['/schedule remove', { action: 'usage' }],
    ['/schedule run', { action: 'usage' }],
  ])('%j → %j', (prompt, command) => {
    expect(recognizeScheduleCommand(prompt, WORDS)).toEqual(command);
  });

  it.each(['定时提醒怎么设置', '定时 是什么意思', '/schedules', '什么是 /schedule', '', '/reset'])('%j is no schedule command', (prompt) => {
    expect(recognizeScheduleCommand(prompt, WORDS)).toBeUndefined();
  });

  it('any input ends quickly, and an add keeps the whole prompt as typed', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        const { value, ms } = timed(() => recognizeScheduleCommand(`/schedule 0 9 * * * ${text}`, WORDS));
        expect(ms).toBeLessThan(1000);
        expect(value).toEqual({ action: 'add', pattern: '0 9 * * *', prompt: text.trim() });
      }),
      { numRuns: 200 },
    );
  });

  it('any text after the word: read or not, quickly, and nothing of it is lost from an add', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WORDS), hostileText(), (word, text) => {
        const { value, ms } = timed(() => recognizeScheduleCommand(`${word} ${text}`, WORDS));
        expect(ms).toBeLessThan(1000);
        if (value?.action === 'add') {
          // The fields and the prompt together are the text, less its spacing.
          const squeezed = (s: string) => s.replace(/\s+/g, '');
          expect(squeezed(value.pattern) + squeezed(value.prompt)).toBe(squeezed(text));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('hostile text that does not start with a schedule word is never one', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        fc.pre(!/^\s*(\/schedule|定时)(\s|$)/i.test(text));
        expect(recognizeScheduleCommand(text, WORDS)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
