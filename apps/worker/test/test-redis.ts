import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { redisKeys, type RedisKeys } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';

export interface TestRedis {
  /** Connected before the file's tests run, its keys removed and closed after them. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly keys: RedisKeys;
}

/** A real Redis connection for one test file, under a key prefix of its own. */
export function useTestRedis(label: string): TestRedis {
  const prefix = createTestPrefix(label);
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = new Redis(redisUrlForTests());
  });
  afterAll(async () => {
    if (!redis) return;
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });
  return {
    get redis() {
      if (!redis) throw new Error('useTestRedis: the connection opens in beforeAll');
      return redis;
    },
    prefix,
    keys: redisKeys(prefix),
  };
}
