import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DRAIN_WINDOW_MS, drainRate, sinceLastStartMs, type AnswerStart } from './drain-rate.js';

const T = 1_765_100_000_000;

/** `count` messages that all arrived at `arrivedAt` and were taken `slots` at a time, each answer `answerMs` long. */
function burst(arrivedAt: number, count: number, slots: number, answerMs: number, pickUpMs = 5): AnswerStart[] {
  return Array.from({ length: count }, (_, i) => ({ waitingSince: arrivedAt, startedAt: arrivedAt + pickUpMs + Math.floor(i / slots) * answerMs }));
}

/** One message a second that found a slot free: arrival-driven starts, no queue. */
function lightTraffic(from: number, seconds: number): AnswerStart[] {
  return Array.from({ length: seconds }, (_, i) => ({ waitingSince: from + i * 1000, startedAt: from + i * 1000 + 20 }));
}

describe('drainRate', () => {
  it('is unknown with no start, one start, or starts that never waited for a slot', () => {
    expect(drainRate([], T)).toBeUndefined();
    expect(drainRate(burst(T, 1, 1, 500), T + 1000)).toBeUndefined();
    expect(drainRate(lightTraffic(T - 30_000, 30), T)).toBeUndefined();
  });

  it('burst of 40 at x.9 s after a quiet spell, one slot of 0.5 s, read 1.05 s later: 2 a second (per-second counts said 1)', () => {
    // Starts at .905, 1.405, 1.905: whole-second buckets saw one start in the only finished second.
    const starts = burst(T + 900, 40, 1, 500).filter((start) => start.startedAt <= T + 1950);
    expect(starts).toHaveLength(3);
    expect(drainRate(starts, T + 1950)).toBe(2);
  });

  it('burst after an hour of quiet that followed a busy spell at another pace: only the new drain counts', () => {
    const hourAgo = burst(T - 3_600_000, 200, 1, 250);
    const now = T + 2100;
    const starts = [...hourAgo, ...burst(T, 40, 1, 700).filter((start) => start.startedAt <= now)];
    expect(drainRate(starts, now)).toBeCloseTo(1000 / 700, 9);
  });

  it('burst right after light traffic in the same minute: the idle gaps between arrivals are not drain time', () => {
    const now = T + 1600;
    const starts = [...lightTraffic(T - 40_000, 39), ...burst(T, 40, 1, 500).filter((start) => start.startedAt <= now)];
    expect(drainRate(starts, now)).toBe(2);
  });

  it('several slots filled at once: the fill is not drain, each later batch is (4 slots of 1 s: 4 a second)', () => {
    const now = T + 2100;
    const starts = burst(T, 40, 4, 1000).filter((start) => start.startedAt <= now);
    expect(starts).toHaveLength(12);
    expect(drainRate(starts, now)).toBe(4);
  });

  it('steady draining by several workers, starts logged out of order: the drain time counted once (3 a second)', () => {
    const now = T + 30_000;
    const starts = burst(T, 200, 3, 1000).filter((start) => start.startedAt <= now);
    const shuffled = [...starts.filter((_, i) => i % 2 === 0), ...starts.filter((_, i) => i % 2 === 1).reverse()];
    expect(drainRate(shuffled, now)).toBe(3);
  });

  it('reads only the last minute: a drain that slowed from 4 to 1 a second a minute ago says 1', () => {
    const fast = burst(T - 120_000, 240, 1, 250);
    const slow = burst(T - 60_000, 100, 1, 1000).map((start) => ({ ...start, startedAt: start.startedAt + 1 }));
    const now = T + 500;
    expect(drainRate([...fast, ...slow].filter((start) => start.startedAt <= now), now)).toBeCloseTo(1, 9);
    expect(DRAIN_WINDOW_MS).toBe(60_000);
  });

  it('drain that stalls: kept while the open gap is within the longest seen, then falls with the wait beyond it', () => {
    const starts = burst(T, 5, 1, 500);
    const last = starts.at(-1)!.startedAt;
    expect(drainRate(starts, last + 500)).toBe(2);
    // 4 intervals of 0.5 s, then 3 s without a start where 0.5 s was the longest: 4 starts in 2 + 2.5 s.
    expect(drainRate(starts, last + 3000)).toBeCloseTo(4 / 4.5, 9);
  });

  it('every worker down for 30 s, then one up again: the outage is not drain (its first start waited since it came up)', () => {
    const before = burst(T - 40_000, 20, 1, 500);
    const upAt = T;
    const after = burst(T - 40_000, 5, 1, 500, upAt - (T - 40_000)).map((start) => ({ ...start, waitingSince: Math.max(start.waitingSince, upAt) }));
    expect(drainRate([...before, ...after], T + 2100)).toBe(2);
  });

  it('ignores starts whose times are not numbers', () => {
    const starts = [...burst(T, 3, 1, 500), { startedAt: Number.NaN, waitingSince: T }, { startedAt: T + 700, waitingSince: Number.POSITIVE_INFINITY }];
    expect(drainRate(starts, T + 1100)).toBe(2);
  });
});

describe('sinceLastStartMs', () => {
  it('is the time since the latest start in any order, 0 with none or with one ahead of this clock', () => {
    expect(sinceLastStartMs([{ startedAt: T + 500, waitingSince: T }, { startedAt: T + 900, waitingSince: T }, { startedAt: T, waitingSince: T }], T + 1200)).toBe(300);
    expect(sinceLastStartMs([], T)).toBe(0);
    expect(sinceLastStartMs([{ startedAt: T + 50, waitingSince: T }], T)).toBe(0);
  });
});

describe('drainRate on any starts', () => {
  const time = fc.oneof(fc.double({ noDefaultInfinity: false }), fc.integer({ min: T - 200_000, max: T + 200_000 }));
  const start = fc.record({ startedAt: time, waitingSince: time });

  it('ends fast and answers a finite positive rate or nothing', () => {
    fc.assert(
      fc.property(fc.array(start, { maxLength: 500 }), time, (starts, now) => {
        const began = performance.now();
        const rate = drainRate(starts, now);
        expect(performance.now() - began).toBeLessThan(50);
        expect(rate === undefined || (Number.isFinite(rate) && rate > 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the clock\'s origin: starts and now shifted together give the same rate', () => {
    const ms = fc.integer({ min: -120_000, max: 0 });
    fc.assert(
      fc.property(fc.array(fc.record({ startedAt: ms, waitingSince: ms }), { maxLength: 200 }), fc.integer({ min: -1e9, max: 1e9 }), (starts, shift) => {
        const moved = starts.map((s) => ({ startedAt: s.startedAt + shift, waitingSince: s.waitingSince + shift }));
        const a = drainRate(starts, 0);
        const b = drainRate(moved, shift);
        if (a === undefined) expect(b).toBeUndefined();
        else expect(b).toBeCloseTo(a, 9);
      }),
      { numRuns: 200 },
    );
  });
});
