import { describe, expect, it } from 'vitest';
import { recognizeCommand } from './recognize-command.js';

const settings = { resetCommands: ['/reset', '重置', '清空会话'], helpCommands: ['/help', '帮助'] };

describe('recognizeCommand', () => {
  it.each(['/reset', ' /RESET ', '重置', '清空会话'])('treats %j as reset', (said) => {
    expect(recognizeCommand(said, settings)).toBe('reset');
  });

  it.each(['/help', '帮助'])('treats %j as help', (said) => {
    expect(recognizeCommand(said, settings)).toBe('help');
  });

  it('leaves questions that merely contain a command word alone', () => {
    expect(recognizeCommand('怎么重置密码？', settings)).toBeUndefined();
  });
});
