import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reportedUsage } from './reported-usage.js';

describe('reportedUsage', () => {
  it('takes counts as the provider sent them, the total for the rate window', () => {
    expect(reportedUsage(120, 30, 150)).toEqual({ tokens: { input: 120, output: 30 }, total: 150 });
    // A total above its parts stands: some providers count more than prompt and answer.
    expect(reportedUsage(120, 30, 170, 100)).toEqual({ tokens: { input: 120, output: 30, cachedInput: 100 }, total: 170 });
    expect(reportedUsage(0, 0, 0)).toEqual({ tokens: { input: 0, output: 0 }, total: 0 });
    // The largest counts believed still sum exactly.
    expect(reportedUsage(2 ** 40, 2 ** 40)).toEqual({ tokens: { input: 2 ** 40, output: 2 ** 40 }, total: 2 ** 41 });
  });

  it('rounds a count written with a fraction', () => {
    expect(reportedUsage(10.4, 2.6)).toEqual({ tokens: { input: 10, output: 3 }, total: 13 });
  });

  it('believes no usage whose prompt or answer count is not a count: the caller counts with its tokenizer', () => {
    for (const [input, output] of [
      [-5, 3],
      [5, -1],
      ['12', 3],
      [12, null],
      [undefined, 3],
      [Number.NaN, 3],
      [Number.POSITIVE_INFINITY, 3],
      [1e300, 3],
      [2 ** 40 + 1, 3],
      [{}, 3],
    ] as const) {
      expect(reportedUsage(input, output, 15)).toBeUndefined();
    }
  });

  it('sums the parts for a total that is missing, not a count or smaller than them, and drops a cached count that is not one', () => {
    expect(reportedUsage(10, 5)).toEqual({ tokens: { input: 10, output: 5 }, total: 15 });
    expect(reportedUsage(10, 5, -1)).toEqual({ tokens: { input: 10, output: 5 }, total: 15 });
    expect(reportedUsage(10, 5, '15')).toEqual({ tokens: { input: 10, output: 5 }, total: 15 });
    expect(reportedUsage(10, 5, 3)).toEqual({ tokens: { input: 10, output: 5 }, total: 15 });
    expect(reportedUsage(10, 5, 15, -2)).toEqual({ tokens: { input: 10, output: 5 }, total: 15 });
    // Never more cached than the prompt had.
    expect(reportedUsage(10, 5, 15, 40)).toEqual({ tokens: { input: 10, output: 5, cachedInput: 10 }, total: 15 });
  });

  it('ends on any four values, and gives back only whole, non-negative counts a counter can take', () => {
    // Any JSON a provider may send, and numbers of every size and sign.
    const value = fc.oneof(fc.anything(), fc.double(), fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.double({ min: 0, max: 2 ** 42 }));
    fc.assert(
      fc.property(value, value, value, value, (input, output, total, cached) => {
        const usage = reportedUsage(input, output, total, cached);
        if (usage === undefined) return;
        const counts = [usage.tokens.input, usage.tokens.output, usage.total, ...(usage.tokens.cachedInput === undefined ? [] : [usage.tokens.cachedInput])];
        for (const count of counts) expect(Number.isSafeInteger(count) && count >= 0).toBe(true);
        expect(usage.total).toBeGreaterThanOrEqual(usage.tokens.input + usage.tokens.output);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back any true usage exactly', () => {
    const count = fc.nat({ max: 10_000_000 });
    fc.assert(
      fc.property(count, count, count, (input, output, extra) => {
        expect(reportedUsage(input, output, input + output + extra)).toEqual({ tokens: { input, output }, total: input + output + extra });
      }),
    );
  });
});
