import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffWait } from './backoff.js';

const policy = { baseMs: 1000, maxMs: 60_000 };
const waits = (count: number, random?: () => number) => Array.from({ length: count }, (_, attempt) => backoffWait(attempt, policy, random));

describe('backoffWait', () => {
  it('doubles from the base to the longest wait: 1 s … 60 s at the top of the jitter', () => {
    expect(waits(9, () => 0.999999)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('draws each wait between half and all of its ceiling', () => {
    expect(waits(8, () => 0)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    for (const [attempt, wait] of waits(12).entries()) {
      const ceiling = Math.min(60_000, 1000 * 2 ** attempt);
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
      expect(wait).toBeLessThanOrEqual(ceiling);
    }
  });

  it('on any attempt count, base and ceiling: a whole number of ms between half and all of the capped ceiling', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat({ max: 3_600_000 }),
        fc.nat({ max: 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, maxMs, drawn) => {
          const wait = backoffWait(attempt, { baseMs, maxMs }, () => drawn);
          const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
          expect(Number.isInteger(wait)).toBe(true);
          expect(wait).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(wait).toBeLessThanOrEqual(ceiling);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with a zero base on a huge attempt count: 0, not NaN', () => {
    expect(backoffWait(5000, { baseMs: 0, maxMs: 60_000 }, () => 0.5)).toBe(0);
  });
});
