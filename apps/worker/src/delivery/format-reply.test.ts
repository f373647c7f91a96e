import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { splitAnswer } from './split-answer.js';
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

  it('mentions nobody in a scheduled prompt\'s post to a group: the admin behind it did not just ask', () => {
    const reply = formatReply({ conversationType: '2', senderStaffId: 'admin1', schedule: 'k3x9qa' }, '早报');
    expect(reply.atUserIds).toEqual([]);
    expect(reply.text).toBe('早报');
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

/** The largest body a webhook takes, in bytes. */
const DINGTALK_MAX_BYTES = 20_000;

describe('formatReply on hostile text', () => {
  it('titles a text of 25,000 `![](` within a second (the picture pattern once took seconds on it)', () => {
    const { value: reply, ms } = timed(() => formatReply({ conversationType: '1' }, '![]('.repeat(25_000)));
    expect(ms).toBeLessThan(1000);
    expect(reply.title).toBe('!(!(!(!(!(!(!(!(!(!(!(!(');
  });

  it('cuts a title between code points: "a" and 12 emoji keep 11 whole emoji', () => {
    expect(formatReply({ conversationType: '1' }, `a${'😀'.repeat(12)}`).title).toBe(`a${'😀'.repeat(11)}`);
  });

  const job = { conversationType: '2', senderStaffId: 'user_0123456789abcdef0123456789ab' } as const;

  it('each part of any answer up to 100,000 characters is a message within DingTalk\'s 20,000 bytes, with a short title', () => {
    fc.assert(
      fc.property(hostileText(), (answer) => {
        const parts = splitAnswer(answer);
        for (const [index, part] of parts.entries()) {
          const { value: reply, ms } = timed(() => formatReply(job, part, { index, count: parts.length }));
          expect(ms).toBeLessThan(1000);
          expect(Buffer.byteLength(reply.text)).toBeLessThanOrEqual(DINGTALK_MAX_BYTES);
          expect(reply.title.length).toBeLessThanOrEqual(`(${parts.length}/${parts.length}) `.length + 24);
          expect(reply.title).not.toBe('');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('on a whole text up to 100,000 characters (not split), ends within a second', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        expect(timed(() => formatReply(job, text)).ms).toBeLessThan(1000);
      }),
      { numRuns: 100 },
    );
  });
});
