import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from './reconnect-backoff.js';

const waits = (backoff: ReconnectBackoff, count: number) => Array.from({ length: count }, () => backoff.next());

describe('ReconnectBackoff', () => {
  it('doubles from 1 s to a ceiling of 60 s', () => {
    const highest = new ReconnectBackoff({ random: () => 0.999999 });
    expect(waits(highest, 9)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('starts over after a reset', () => {
    const backoff = new ReconnectBackoff({ random: () => 0.999999 });
    waits(backoff, 5);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });
});
