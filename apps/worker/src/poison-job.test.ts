import { describe, expect, it } from 'vitest';
import { failedAtStallLimit, MAX_STALLED_COUNT, POISON_STALLS, stalledTooOften } from './poison-job.js';

describe('stalled jobs', () => {
  it('runs a job that never stalled or stalled once, and settles one that stalled twice or more', () => {
    expect([0, 1, 2, 3, 4].map((stalledCounter) => stalledTooOften({ stalledCounter }))).toEqual([false, false, true, true, true]);
  });

  it('leaves BullMQ one stall above ours, so our processor sees every poison job before BullMQ fails it', () => {
    expect(MAX_STALLED_COUNT).toBeGreaterThan(POISON_STALLS);
    expect(stalledTooOften({ stalledCounter: MAX_STALLED_COUNT })).toBe(true);
    expect(failedAtStallLimit({ stalledCounter: MAX_STALLED_COUNT })).toBe(false);
  });

  it('tells a job BullMQ failed at its limit (taken with one stall more than the limit) from one we settled', () => {
    expect([POISON_STALLS, MAX_STALLED_COUNT, MAX_STALLED_COUNT + 1].map((stalledCounter) => failedAtStallLimit({ stalledCounter }))).toEqual([
      false,
      false,
      true,
    ]);
  });
});
