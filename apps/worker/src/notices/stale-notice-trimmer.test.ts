import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, queueShards } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';
import { StaleNoticeTrimmer } from './stale-notice-trimmer.js';

const prefix = createTestPrefix('stale-notices');
const [shard] = queueShards(prefix, 1);
let redis: Redis;
const warnings: unknown[][] = [];

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

const T = 1_700_000_000_000;

describe('StaleNoticeTrimmer', () => {
  it('drops notices due over a minute ago, keeps the rest, and says once that the settings disagree', async () => {
    const logger = createLogger('stale-notice-trimmer-test', 'silent');
    logger.warn = ((...args: unknown[]) => void warnings.push(args)) as typeof logger.warn;
    const trimmer = new StaleNoticeTrimmer({ redis, keys: shard!.keys, logger, shard: shard! });
    const due = shard!.keys.noticeDue();
    await redis.zadd(due, T - 120_000, 'old.1', T - 60_001, 'old.2', T - 30_000, 'recent.1', T + 5_000, 'future.1');

    expect(await trimmer.trim(T)).toBe(2);
    expect(await redis.zrange(due, 0, -1)).toEqual(['recent.1', 'future.1']);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]![1])).toContain('QUEUE_NOTICE_AFTER_MS');

    await redis.zadd(due, T - 90_000, 'old.3');
    expect(await trimmer.trim(T)).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('drops nothing and says nothing while the schedule is empty', async () => {
    const logger = createLogger('stale-notice-trimmer-test', 'silent');
    const trimmer = new StaleNoticeTrimmer({ redis, keys: shard!.keys, logger, shard: shard! });
    await redis.del(shard!.keys.noticeDue());
    expect(await trimmer.trim(T)).toBe(0);
  });
});
