import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractPrompt, isReadableKind } from './extract-prompt.js';

describe('extractPrompt', () => {
  it('reads a group text without the space the @-mention left', () => {
    expect(extractPrompt({ msgtype: 'text', text: { content: ' 你好' } })).toBe('你好');
  });

  it('reads a voice message by its transcription and joins rich text', () => {
    expect(extractPrompt({ msgtype: 'audio', content: { recognition: '明天天气' } })).toBe('明天天气');
    expect(extractPrompt({ msgtype: 'richText', content: { richText: [{ text: '看' }, { downloadCode: 'x' }, { text: '图' }] } })).toBe('看图');
  });

  it('gives "" for kinds it cannot read', () => {
    expect(isReadableKind('file')).toBe(false);
    expect(extractPrompt({ msgtype: 'file', content: { fileName: 'a.pdf' } })).toBe('');
  });

  it('on hostile text up to 100,000 characters: quick, and the text trimmed, nothing else lost', () => {
    fc.assert(
      fc.property(hostileText(), hostileText({ maxLength: 2000 }), (text, more) => {
        const kinds = [
          { message: { msgtype: 'text', text: { content: text } }, said: text },
          { message: { msgtype: 'audio', content: { recognition: text } }, said: text },
          { message: { msgtype: 'richText', content: { richText: [{ text }, { text: more }] } }, said: text + more },
        ];
        for (const { message, said } of kinds) {
          const { value: prompt, ms } = timed(() => extractPrompt(message));
          expect(ms).toBeLessThan(1000);
          expect(prompt).toBe(said.trim());
        }
      }),
      { numRuns: 100 },
    );
  });
});
