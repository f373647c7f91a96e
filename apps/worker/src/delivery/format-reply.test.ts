import { describe, expect, it } from 'vitest';
import { formatReply } from './format-reply.js';

describe('formatReply', () => {
  it('@-mentions the asker in a group, in at.atUserIds and in the text', () => {
    const reply = formatReply({ conversationType: '2', senderStaffId: 'user123' }, '答案在这里');
    expect(reply.atUserIds).toEqual(['user123']);
    expect(reply.text).toBe('答案在这里\n\n@user123');
  });

  it('mentions nobody in a private chat', () => {
    const reply = formatReply({ conversationType: '1', senderStaffId: 'user123' }, '答案');
    expect(reply.atUserIds).toEqual([]);
    expect(reply.text).toBe('答案');
  });

  it('mentions nobody when the sender is external (no staff id)', () => {
    const reply = formatReply({ conversationType: '2', senderStaffId: undefined }, '答案');
    expect(reply.atUserIds).toEqual([]);
    expect(reply.text).not.toContain('@');
  });

  it('sends the text as DingTalk markdown, the mention after it, and titles it from the plain text', () => {
    const reply = formatReply({ conversationType: '2', senderStaffId: 'user123' }, 'a <b>\nline two');
    expect(reply.text).toBe('a &lt;b>  \nline two\n\n@user123');
    expect(reply.title).toBe('a <b');
  });

  it('titles a message with its plain first line, numbered when it is one of several parts', () => {
    expect(formatReply({ conversationType: '1' }, '## **Hello** world\nmore').title).toBe('Hello world');
    expect(formatReply({ conversationType: '1' }, 'part text', { index: 1, count: 3 }).title).toBe('(2/3) part text');
    expect(formatReply({ conversationType: '1' }, 'see [docs](x)').title).toBe('see docs(x)');
  });

  it('titles a picture [图片], as DingTalk shows pictures', () => {
    expect(formatReply({ conversationType: '2', senderStaffId: 'u1' }, '![](@lAxyz_1)').title).toBe('[图片]');
  });
});
