import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addProblem } from './schedule-pattern.js';
import { recognizeScheduleCommand } from './schedule-command.js';

describe('addProblem', () => {
  it.each([
    [{ pattern: '0 9 * * 1-5', prompt: '总结' }, undefined],
    [{ pattern: '0 9 * *', prompt: '' }, { problem: 'fields', shown: '0 9 * *', count: 4 }],
    [{ pattern: '', prompt: '' }, { problem: 'fields', shown: '', count: 0 }],
    [{ pattern: '*/10 * * * *', prompt: '* 早报' }, { problem: 'fields', shown: '*/10 * * * * *', count: 6 }],
    [{ pattern: '0 9 * * *', prompt: '3 件事' }, undefined],
    [{ pattern: '61 9 * * *', prompt: '早报' }, { problem: 'invalid', shown: '61 9 * * *' }],
    [{ pattern: '0 9 * * *', prompt: '' }, { problem: 'no_prompt' }],
  ])('%j → %j', (add, problem) => {
    expect(addProblem(add, 'Asia/Shanghai')).toEqual(problem);
  });

  it('any add read from any text: a verdict quickly, never a throw, and what it shows is what was typed', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        const command = recognizeScheduleCommand(`/schedule ${text}`, ['/schedule']);
        fc.pre(command?.action === 'add');
        if (command?.action !== 'add') return;
        const { value, ms } = timed(() => addProblem(command, 'UTC'));
        expect(ms).toBeLessThan(1000);
        if (value && 'shown' in value) expect(text.replace(/\s+/g, '')).toContain(value.shown.replace(/\s+/g, ''));
      }),
      { numRuns: 200 },
    );
  });

  it('hostile prompts after a good pattern: quick, and only a cron-like start is taken for a field', () => {
    fc.assert(
      fc.property(hostileText(), (prompt) => {
        const { value, ms } = timed(() => addProblem({ pattern: '0 9 * * *', prompt: prompt.trim() }, 'UTC'));
        expect(ms).toBeLessThan(1000);
        if (value?.problem === 'fields') expect(prompt.trim()).toMatch(/^[*\d,/-]*[*/]/);
      }),
      { numRuns: 200 },
    );
  });
});
