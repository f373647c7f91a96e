import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupPrefix, createTestPrefix, escapeRedisGlob, redisUrlForTests } from './redis-test-prefix.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(redisUrlForTests(), { lazyConnect: false, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await redis.quit();
});

describe('createTestPrefix', () => {
  it('makes a unique hash-tagged prefix from a safe label', () => {
    const prefix = createTestPrefix('order key:test*');
    expect(prefix).toMatch(/^\{dtbot-test-order-key-test-[0-9a-f]{12}\}$/);
    expect(createTestPrefix('x')).not.toBe(createTestPrefix('x'));
  });
});

describe('escapeRedisGlob', () => {
  it('escapes every glob character', () => {
    expect(escapeRedisGlob('{a}[b]*c?\\')).toBe('\\{a\\}\\[b\\]\\*c\\?\\\\');
  });
});

describe('cleanupPrefix', () => {
  it('deletes every key under the prefix and nothing else', async () => {
    const prefix = createTestPrefix('cleanup');
    const neighbour = createTestPrefix('cleanup');
    // Differs from the prefix only just before its closing brace.
    const lookalike = `${prefix.slice(0, -1)}X}:kept`;
    const keys = Array.from({ length: 1203 }, (_, i) => `${prefix}:k:${i}`);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.set(key, '1');
    pipeline.hset(`${prefix}:hash`, 'field', 'v');
    pipeline.set(`${neighbour}:kept`, '1');
    pipeline.set(lookalike, '1');
    await pipeline.exec();

    expect(await cleanupPrefix(redis, prefix)).toBe(1204);
    expect(await redis.exists(...keys.slice(0, 50), `${prefix}:hash`)).toBe(0);
    expect(await redis.exists(`${neighbour}:kept`, lookalike)).toBe(2);

    expect(await cleanupPrefix(redis, neighbour)).toBe(1);
    await redis.unlink(lookalike);
  });

  it('treats glob characters in the prefix literally', async () => {
    const prefix = '{dtbot-test-[ab]?}';
    await redis.set(`${prefix}:k`, '1');
    await redis.set('{dtbot-test-ax}:k', '1');
    expect(await cleanupPrefix(redis, prefix)).toBe(1);
    expect(await redis.exists('{dtbot-test-ax}:k')).toBe(1);
    await redis.unlink('{dtbot-test-ax}:k');
  });

  it('refuses a prefix that would match almost everything', async () => {
    await expect(cleanupPrefix(redis, '')).rejects.toThrow(/too short/);
  });
});
