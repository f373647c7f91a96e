import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileText, timed } from '@dtbot/hostile-text';
import { createTokenCounter, MESSAGE_FRAMING_TOKENS } from '../tokens/token-counter.js';
import { cutToTokens, resultText } from './tool-result-text.js';

const tokens = createTokenCounter('gpt-4o');
const count = (text: string) => tokens.message(text) - MESSAGE_FRAMING_TOKENS;

describe('resultText', () => {
  it('joins the text parts, takes an embedded resource\'s text, and notes what the model cannot read', () => {
    expect(
      resultText([
        { type: 'text', text: 'first' },
        { type: 'resource', resource: { uri: 'file:///a', text: 'from a file' } },
        { type: 'image', mimeType: 'image/png' },
        { type: 'audio' },
      ]),
    ).toBe('first\nfrom a file\n[image image/png not shown]\n[audio not shown]');
  });
});

describe('cutToTokens', () => {
  it('keeps a result that fits as it is', () => {
    expect(cutToTokens(tokens, '杭州: 晴, 25°C', 50)).toBe('杭州: 晴, 25°C');
  });

  it('cuts a long result to the budget with the real tokenizer, saying it was cut', () => {
    const cut = cutToTokens(tokens, 'word '.repeat(5000), 100);
    expect(count(cut)).toBeLessThanOrEqual(100);
    expect(count(cut)).toBeGreaterThan(80);
    expect(cut.endsWith('…[cut: the result was longer]')).toBe(true);
    expect('word '.repeat(5000).startsWith(cut.replace(/\n…\[cut: the result was longer\]$/, ''))).toBe(true);
  });

  it('keeps any text within the budget, as a prefix of it, quickly', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 20_000 }), fc.integer({ min: 20, max: 500 }), (text, budget) => {
        const { value: cut, ms } = timed(() => cutToTokens(tokens, text, budget));
        expect(ms).toBeLessThan(500);
        expect(count(cut)).toBeLessThanOrEqual(budget);
        if (cut === text) return;
        const kept = cut.slice(0, cut.length - '\n…[cut: the result was longer]'.length);
        expect(text.startsWith(kept)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('cuts a megabyte in a few counts', () => {
    const { value: cut, ms } = timed(() => cutToTokens(tokens, '数据'.repeat(500_000)));
    expect(count(cut)).toBeLessThanOrEqual(2000);
    expect(ms).toBeLessThan(2000);
  });
});
