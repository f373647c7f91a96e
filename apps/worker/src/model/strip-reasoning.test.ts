import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripReasoning } from './strip-reasoning.js';

describe('stripReasoning', () => {
  it('removes a leading <think> block', () => {
    expect(stripReasoning('<think>\n用户想知道天气。\n</think>\n\n今天晴。')).toBe('今天晴。');
  });

  it('removes every block, wherever it is', () => {
    expect(stripReasoning('<think>a</think>First.\n\n<think>b\nc</think>\nSecond.')).toBe('First.\n\n\nSecond.');
  });

  it('leaves an answer without reasoning exactly as it was', () => {
    const answer = '  Plain answer with <b>html</b>.\n';
    expect(stripReasoning(answer)).toBe(answer);
  });

  it('keeps tags inside code fences: they are code the user asked about', () => {
    const answer = 'Use this template:\n\n```html\n<think>draft</think>\n```\n\nand\n~~~\n</think>\n~~~';
    expect(stripReasoning(answer)).toBe(answer);
  });

  it('removes reasoning that itself contains a code fence', () => {
    expect(stripReasoning('<think>\nmaybe:\n```js\nx()\n```\n</think>\nAnswer: y()')).toBe('Answer: y()');
  });

  it('removes a leading <think> block that was never closed (the model ran out of tokens)', () => {
    expect(stripReasoning('<think>\nlet me think about this for a long')).toBe('');
    expect(stripReasoning('<think>done</think> \n<think>still')).toBe('');
  });

  it('keeps an unclosed <think> after the answer began: it is text, not reasoning', () => {
    expect(stripReasoning('Write <think> to start a block.')).toBe('Write <think> to start a block.');
  });

  it('removes leading reasoning closed without an opening tag (the template opened it)', () => {
    expect(stripReasoning('The user greets me.\n</think>\n\n你好！')).toBe('你好！');
  });

  it('keeps a lone closing tag that follows other text or code', () => {
    const answer = '```\nx\n```\nClose it with </think> as shown.';
    expect(stripReasoning(answer)).toBe(answer);
    expect(stripReasoning('Close it with </think> as shown.')).toBe('Close it with </think> as shown.');
  });

  it('does not mistake a fence closed by a longer or different marker', () => {
    const answer = '````\n```\n<think>x</think>\n````\nafter';
    expect(stripReasoning(answer)).toBe(answer);
    expect(stripReasoning('```\ncode\n~~~\n<think>x</think>\n```\n<think>y</think>tail')).toBe('```\ncode\n~~~\n<think>x</think>\n```\ntail');
  });
});

/** Whether `kept` is `text` with some characters taken out, the rest in order. */
function isSubsequence(kept: string, text: string): boolean {
  let at = 0;
  for (let index = 0; index < text.length && at < kept.length; index += 1) if (text[index] === kept[at]) at += 1;
  return at === kept.length;
}

describe('stripReasoning on hostile text', () => {
  it('ends within a second on up to 100,000 characters; only removes, never reorders; text without a tag stays whole', () => {
    const answer = fc.oneof(
      hostileText(),
      fc.tuple(hostileText({ maxLength: 50_000 }), fc.constantFrom('<think>', '</think>', '\n```\n'), hostileText({ maxLength: 50_000 })).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(answer, (text) => {
        const { value: stripped, ms } = timed(() => stripReasoning(text));
        expect(ms).toBeLessThan(1000);
        expect(isSubsequence(stripped, text)).toBe(true);
        if (!text.includes('think>')) expect(stripped).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});
