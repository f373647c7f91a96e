import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardKeys } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';
import { NoticeSchedule, START_LOG_LENGTH } from './notice-schedule.js';

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
    expect(await schedule.answerStarted('c.1', T, T)).toBe('go');
    expect(await schedule.claim('c.1')).toBe(false);
  });

  it('makes a starting answer wait while a notice is on its way', async () => {
    expect(await schedule.claim('d.1')).toBe(true);
    expect(await schedule.claim('d.1')).toBe(false);
    expect(await schedule.answerStarted('d.1', T, T)).toBe('sending');
    await schedule.settle('d.1', 'sent');
    expect(await schedule.answerStarted('d.1', T, T)).toBe('go');
  });

  it('takes a started message off the schedule and logs its first start only, waiting since its arrival', async () => {
    await redis.zadd(keys.noticeDue(), T + 60_000, 'e.1');
    expect(await schedule.answerStarted('e.1', T + 3000, T + 1000)).toBe('go');
    // A retry, or a start after a rate-limit hand-back, is the same message.
    expect(await schedule.answerStarted('e.1', T + 4000, T + 1000)).toBe('go');
    expect(await redis.zscore(keys.noticeDue(), 'e.1')).toBeNull();
    const logged = (await schedule.recentStarts()).filter((start) => start.startedAt >= T + 3000);
    expect(logged).toEqual([{ startedAt: T + 3000, waitingSince: T + 1000 }]);
  });

  it('logs the first start of a process as waiting since that start: before it the process had no slot', async () => {
    const restarted = new NoticeSchedule(redis, keys);
    await restarted.answerStarted('g.1', T + 9000, T + 1000);
    await restarted.answerStarted('g.2', T + 9500, T + 1000);
    expect((await restarted.recentStarts()).slice(0, 2)).toEqual([
      { startedAt: T + 9500, waitingSince: T + 9000 },
      { startedAt: T + 9000, waitingSince: T + 9000 },
    ]);
  });

  it('keeps the latest START_LOG_LENGTH starts, newest first, for any number of messages', async () => {
    const count = START_LOG_LENGTH + 40;
    for (let i = 0; i < count; i += 1) await schedule.answerStarted(`f.${i}`, T + 10_000 + i, T);
    const starts = await schedule.recentStarts();
    expect(starts).toHaveLength(START_LOG_LENGTH);
    expect(await redis.llen(keys.answerStarts())).toBe(START_LOG_LENGTH);
    expect(starts.map((start) => start.startedAt)).toEqual(Array.from({ length: START_LOG_LENGTH }, (_, i) => T + 10_000 + count - 1 - i));
  });

  it('leaves out a log entry that does not read as two times', async () => {
    await redis.lpush(keys.answerStarts(), 'garbage', '12 x', '');
    const starts = await schedule.recentStarts();
    expect(starts).toHaveLength(START_LOG_LENGTH - 3);
    expect(starts.every((start) => Number.isFinite(start.startedAt) && Number.isFinite(start.waitingSince))).toBe(true);
  });
});
