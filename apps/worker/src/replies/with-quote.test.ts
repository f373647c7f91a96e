import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withQuote } from './with-quote.js';

describe('withQuote', () => {
  it('puts the quoted message first, as a markdown quote, then the question', () => {
    expect(withQuote('什么意思？', '第一行\n第二行')).toBe('> 引用的消息：\n> 第一行\n> 第二行\n\n什么意思？');
  });

  it('keeps a question without a quote as it is, and asks about a quote with no question', () => {
    expect(withQuote('问题', undefined)).toBe('问题');
    expect(withQuote('', '原文')).toBe('> 引用的消息：\n> 原文');
  });

  it('on hostile text up to 100,000 characters: quick; the question whole at the end, every quoted line in order', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 50_000 }), hostileText({ maxLength: 50_000 }), (question, quote) => {
        const { value: asked, ms } = timed(() => withQuote(question, quote));
        expect(ms).toBeLessThan(1000);
        if (!quote) {
          expect(asked).toBe(question);
          return;
        }
        const quoted = question ? asked.slice(0, asked.length - question.length - 2) : asked;
        if (question) expect(asked.endsWith(`\n\n${question}`)).toBe(true);
        expect(quoted.split('\n')).toEqual(['> 引用的消息：', ...quote.split('\n').map((line) => `> ${line}`)]);
      }),
      { numRuns: 100 },
    );
  });
});
