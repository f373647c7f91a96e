import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

// The testkit's Redis helpers in small, for the packages the testkit depends on (shared, queue): their tests cannot
// use the testkit without a cycle of packages.

/** A connection to the test Redis (`REDIS_URL`, else the local one), fit for a BullMQ worker too (no retry limit). */
export function connectForTests(): Redis {
  return new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
}

/** A key prefix of its own for one test file, a Cluster hash tag like the production `{dtbot}`. */
export function testPrefix(label: string): string {
  return `{dtbot-test-${label}-${randomBytes(6).toString('hex')}}`;
}

/** Deletes every key under the prefix (it is a hash tag of hex and a plain label: nothing to escape). */
export async function removePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[{}]/g, '\\$&')}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
