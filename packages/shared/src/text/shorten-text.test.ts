import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortenText } from './shorten-text.js';

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

describe('shortenText', () => {
  it('keeps a text within the bound as it is', () => {
    expect(shortenText('翻译官', 3)).toBe('翻译官');
  });

  it('cuts a longer one and adds an ellipsis', () => {
    expect(shortenText('abcdef', 4)).toBe('abcd…');
  });

  it('does not cut an emoji in half: 3 units of 😀😀 keep one emoji', () => {
    expect(shortenText('😀😀', 3)).toBe('😀…');
  });

  it('on hostile text up to 100,000 characters: quick, a prefix of the text, at most the bound and the ellipsis, no pair cut', () => {
    fc.assert(
      fc.property(hostileText(), fc.integer({ min: 0, max: 3000 }), (text, max) => {
        const { value: short, ms } = timed(() => shortenText(text, max));
        expect(ms).toBeLessThan(1000);
        if (short === text) {
          expect(text.length).toBeLessThanOrEqual(max);
          return;
        }
        expect(short.endsWith('…')).toBe(true);
        const kept = short.slice(0, -1);
        expect(text.startsWith(kept)).toBe(true);
        expect(kept.length).toBeLessThanOrEqual(max);
        expect(kept.length).toBeGreaterThanOrEqual(max - 1);
        expect(isHigh(text.charCodeAt(kept.length - 1)) && isLow(text.charCodeAt(kept.length))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
