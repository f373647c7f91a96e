import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardKeys } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';
import { NoticeSchedule } from './notice-schedule.js';

const prefix = createTestPrefix('notice-schedule');
const keys = shardKeys(prefix);
let redis: Redis;
let schedule: NoticeSchedule;

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
  schedule = new NoticeSchedule(redis, keys);
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

const T = 1_700_000_000_000;

describe('NoticeSchedule', () => {
  it('hands each due message to one taker, in due order, and leaves the rest', async () => {
    await redis.zadd(keys.noticeDue(), T + 2, 'b.1', T + 1, 'a.1', T + 9, 'c.1');
    const [first, second] = await Promise.all([schedule.takeDue(T + 5, 10), schedule.takeDue(T + 5, 10)]);
    expect([...first!, ...second!]).toEqual(['a.1', 'b.1']);
    expect(await redis.zrange(keys.noticeDue(), 0, -1)).toEqual(['c.1']);
  });

  it('lets a started answer win over a sweeper that has not claimed the notice yet', async () => {
    expect(await schedule.takeDue(T + 10, 10)).toEqual(['c.1']);
    expect(await schedule.answerStarted('c.1', T)).toBe('go');
    expect(await schedule.claim('c.1')).toBe(false);
  });

  it('makes a starting answer wait while a notice is on its way', async () => {
    expect(await schedule.claim('d.1')).toBe(true);
    expect(await schedule.claim('d.1')).toBe(false);
    expect(await schedule.answerStarted('d.1', T)).toBe('sending');
    await schedule.settle('d.1', 'sent');
    expect(await schedule.answerStarted('d.1', T)).toBe('go');
  });

  it('takes a started message off the schedule and counts its first start only', async () => {
    await redis.zadd(keys.noticeDue(), T + 60_000, 'e.1');
    expect(await schedule.answerStarted('e.1', T + 3000)).toBe('go');
    // A retry, or a start after a rate-limit hand-back, is the same message.
    expect(await schedule.answerStarted('e.1', T + 3000)).toBe('go');
    expect(await redis.zscore(keys.noticeDue(), 'e.1')).toBeNull();
    expect(await schedule.startsPerSecond(T / 1000 + 2, T / 1000 + 4)).toEqual([0, 1, 0]);
  });
});
