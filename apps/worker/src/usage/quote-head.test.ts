import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteHead } from './quote-head.js';

describe('quoteHead', () => {
  it('compares an answer and a quote of it as DingTalk may show it: no @-mentions first, no markup, no spaces, lower case', () => {
    const answer = '@alice **Redis** is an in-memory `data store`.\n\n- fast\n- simple';
    const quoted = 'Redis is an in-memory data store. fast simple';
    expect(quoteHead(answer, 200).startsWith(quoteHead(quoted, 30))).toBe(true);
    expect(quoteHead('@a @b 你好，世界', 10)).toBe('你好，世界');
  });

  it('cuts at whole code points', () => {
    expect(quoteHead('😀😀😀', 2)).toBe('😀😀');
  });

  it('ends quickly on any text, and gives at most `length` code points of it, none of them spaces', () => {
    fc.assert(
      fc.property(hostileText(), fc.integer({ min: 0, max: 300 }), (text, length) => {
        const { value, ms } = timed(() => quoteHead(text, length));
        expect(ms).toBeLessThan(1000);
        expect([...value].length).toBeLessThanOrEqual(length);
        expect(value).not.toMatch(/\s/);
      }),
      { numRuns: 200 },
    );
  });
});
