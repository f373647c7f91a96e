import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recognizeCommand, unknownCommand } from './recognize-command.js';

const words = {
  resetCommands: ['/reset', '重置', '清空会话'],
  helpCommands: ['/help', '帮助'],
  settingsCommands: ['/settings', '我的设置'],
  personaCommands: ['/persona', '角色'],
  usageCommands: ['/usage', '用量'],
  stopCommands: ['/stop', '停止'],
  feedbackCommands: ['/good', '/bad', '👍', '👎'],
};

describe('recognizeCommand', () => {
  it.each(['/reset', ' /RESET ', '重置', '清空会话', '/reset now'])('treats %j as reset', (said) => {
    expect(recognizeCommand(said, words)).toEqual({ command: 'reset' });
  });

  it.each(['/help', '帮助'])('treats %j as help', (said) => {
    expect(recognizeCommand(said, words)).toEqual({ command: 'help' });
  });

  it.each(['/usage', '用量'])('treats %j as usage', (said) => {
    expect(recognizeCommand(said, words)).toEqual({ command: 'usage' });
  });

  it.each(['/stop', ' 停止 ', '/STOP', '/stop please'])('treats %j as stop', (said) => {
    expect(recognizeCommand(said, words)).toEqual({ command: 'stop' });
  });

  it.each([
    ['/good', 'up'],
    ['👍', 'up'],
    [' /BAD ', 'down'],
    ['👎', 'down'],
    ['/bad answer', 'down'],
  ])('reads %j as feedback %j: the first word of each pair is good, the second bad', (said, vote) => {
    expect(recognizeCommand(said, words)).toEqual({ command: 'feedback', vote });
  });

  it.each(['停止 工作是什么意思', '👍 谢谢', '怎么停止一个进程？'])('leaves %j, a question that starts with a stop or feedback word, to the model', (said) => {
    expect(recognizeCommand(said, words)).toBeUndefined();
  });

  it.each(['/settings', '我的设置'])('treats %j as settings', (said) => {
    expect(recognizeCommand(said, words)).toEqual({ command: 'settings' });
  });

  it.each([
    ['/persona', { command: 'persona' }],
    ['角色', { command: 'persona' }],
    ['/persona 翻译官', { command: 'persona', argument: '翻译官' }],
    ['角色  Translator ', { command: 'persona', argument: 'Translator' }],
  ])('reads %j as %j', (said, recognized) => {
    expect(recognizeCommand(said, words)).toEqual(recognized);
  });

  it.each(['怎么重置密码？', '重置 密码怎么办', '/usr/bin/env 是什么', '角色扮演是什么意思', 'a /reset b', '/x'])('leaves %j to the other readings', (said) => {
    expect(recognizeCommand(said, words)).toBeUndefined();
  });

  it('takes a configured word that has a space in it as a whole message', () => {
    expect(recognizeCommand('clear chat', { ...words, resetCommands: ['clear chat'] })).toEqual({ command: 'reset' });
  });
});

describe('unknownCommand', () => {
  it.each([
    ['/x', '/x'],
    [' /Weather 北京', '/weather'],
    ['/帮', undefined],
    ['/usr/bin/env 是什么', undefined],
    ['what is /x', undefined],
  ])('finds in %j the unknown command %j', (said, word) => {
    expect(unknownCommand(said)).toBe(word);
  });
});

describe('recognizeCommand on long messages', () => {
  it('tells a long question from a command with a long argument', () => {
    expect(recognizeCommand('请帮我总结一下这篇很长的文章，谢谢你的帮助和耐心', words)).toBeUndefined();
    expect(recognizeCommand(`/persona ${'很长的角色名'.repeat(10)}`, words)).toEqual({ command: 'persona', argument: '很长的角色名'.repeat(10) });
    expect(recognizeCommand(`/reset ${'x'.repeat(100)}`, words)).toEqual({ command: 'reset' });
  });
});

describe('recognizeCommand and unknownCommand on hostile text', () => {
  const allWords = Object.values(words).flat();
  const said = fc.oneof(
    hostileText(),
    fc.tuple(fc.constantFrom(...allWords, '/unknown', '/x'), fc.constantFrom('', ' ', '\t', '\n'), hostileText()).map((parts) => parts.join('')),
  );

  it('ends quickly on up to 100,000 characters; an argument is the trimmed rest of the message', () => {
    fc.assert(
      fc.property(said, (prompt) => {
        const { value: recognized, ms } = timed(() => recognizeCommand(prompt, words));
        expect(ms).toBeLessThan(1000);
        if (recognized?.command === 'feedback') expect(['up', 'down']).toContain(recognized.vote);
        else expect(recognized?.vote).toBeUndefined();
        if (recognized?.argument !== undefined) {
          expect(recognized.command).toBe('persona');
          expect(recognized.argument).not.toBe('');
          expect(recognized.argument).toBe(recognized.argument.trim());
          expect(prompt.trim().endsWith(recognized.argument)).toBe(true);
        }
        const { value: unknown, ms: unknownMs } = timed(() => unknownCommand(prompt));
        expect(unknownMs).toBeLessThan(1000);
        if (unknown !== undefined) {
          expect(unknown).toMatch(/^\/[a-z][\w-]*$/);
          expect(prompt.trim().toLowerCase().startsWith(unknown)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
