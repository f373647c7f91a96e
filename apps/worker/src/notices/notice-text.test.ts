import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimatedWaitSeconds, formatWait, noticeText } from './notice-text.js';

describe('noticeText', () => {
  it('states the messages ahead and the estimated wait as numbers', () => {
    expect(noticeText(37, 0.3)).toBe('前面还有 37 条消息，预计约 2 分钟后回答。');
    expect(noticeText(0, 2)).toBe('你的消息排在队列最前面，预计约 1 秒后回答。');
    expect(noticeText(29, 0.2)).toBe('前面还有 29 条消息，预计约 2.5 分钟后回答。');
  });

  it('says only where the message stands when nothing was answered lately', () => {
    expect(noticeText(12, undefined)).toBe('前面还有 12 条消息，轮到时会立即回答，请稍候。');
    expect(noticeText(12, 0)).toBe('前面还有 12 条消息，轮到时会立即回答，请稍候。');
  });
});

describe('estimatedWaitSeconds', () => {
  it('one slot, 2 a second, 9 ahead: 5 s from a start, 0.3 s less when the running answer began 0.3 s ago', () => {
    expect(estimatedWaitSeconds(9, 2)).toBe(5);
    expect(estimatedWaitSeconds(9, 2, 300)).toBeCloseTo(4.7, 9);
  });

  it('takes off one interval at most, whatever the time since the last start', () => {
    expect(estimatedWaitSeconds(9, 2, 60_000)).toBe(4.5);
    expect(estimatedWaitSeconds(9, 2, -500)).toBe(5);
    expect(estimatedWaitSeconds(9, 2, Number.NaN)).toBe(5);
  });

  it('lies between `ahead` and `ahead + 1` intervals for any place, rate and time since the last start', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.double({ min: 1e-3, max: 1e4, noNaN: true }), fc.double(), (ahead, rate, sinceMs) => {
        const wait = estimatedWaitSeconds(ahead, rate, sinceMs)!;
        expect(Number.isFinite(wait)).toBe(true);
        // Within rounding of doubles: relative to the size of the wait.
        const slack = 1e-12 * ((ahead + 1) / rate) + 1e-12;
        expect(wait).toBeGreaterThanOrEqual(ahead / rate - slack);
        expect(wait).toBeLessThanOrEqual((ahead + 1) / rate + slack);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatWait', () => {
  it.each([
    [0.4, '1 秒'],
    [2.6, '2.5 秒'],
    [4.8, '5 秒'],
    [7.4, '7 秒'],
    [12, '12 秒'],
    [19.4, '19 秒'],
    [21, '20 秒'],
    [57, '55 秒'],
    [58, '60 秒'],
    [100, '100 秒'],
    [116, '2 分钟'],
    [150, '2.5 分钟'],
    [290, '5 分钟'],
    [600, '10 分钟'],
    [119 * 60, '119 分钟'],
    [150 * 60, '2.5 小时'],
  ])('says %s s as %s', (seconds, said) => {
    expect(formatWait(seconds)).toBe(said);
  });

  it('never rounds a wait of two seconds or more by more than an eighth of it', () => {
    for (let seconds = 2; seconds < 5 * 3600; seconds *= 1.002) {
      const [figure, unit] = formatWait(seconds).split(' ');
      const said = Number(figure) * ({ 秒: 1, 分钟: 60, 小时: 3600 } as Record<string, number>)[unit!]!;
      expect(Math.abs(said - seconds) / seconds, `${seconds} s said as ${formatWait(seconds)}`).toBeLessThanOrEqual(0.125);
    }
  });
});

describe('noticeText on any numbers', () => {
  it('a rate that is not a positive finite number (NaN, Infinity, 0, negative) gives no estimate, never "NaN"', () => {
    for (const rate of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1]) {
      expect(noticeText(3, rate)).toBe('前面还有 3 条消息，轮到时会立即回答，请稍候。');
    }
  });

  it('any place and a rate of one start an hour or more: one sentence with whole numbers, no NaN, Infinity or exponent', () => {
    const rate = fc.oneof(fc.constant(undefined), fc.double({ min: 1 / 3600, max: 10_000, noNaN: true }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), rate, (ahead, startsPerSecond) => {
        const { value: text, ms } = timed(() => noticeText(ahead, startsPerSecond));
        expect(ms).toBeLessThan(100);
        expect(text).toMatch(/^(你的消息排在队列最前面|前面还有 \d+ 条消息)，(轮到时会立即回答，请稍候|预计约 [\d.]+ (秒|分钟|小时)后回答)。$/);
        expect(text).not.toMatch(/NaN|Infinity|e[+-]/);
      }),
      { numRuns: 200 },
    );
  });

  it('any double as the rate: never NaN or Infinity in the text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.double(), (ahead, startsPerSecond) => {
        expect(noticeText(ahead, startsPerSecond)).not.toMatch(/NaN|Infinity/);
      }),
      { numRuns: 200 },
    );
  });
});
