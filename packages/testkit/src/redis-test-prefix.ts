import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';

const SCAN_COUNT = 500;
const UNLINK_BATCH = 500;

export function redisUrlForTests(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * A prefix of its own for one test (`{dtbot-test-<label>-<random>}`), so tests share a Redis without
 * seeing each other's keys. The braces are a Cluster hash tag, like the production `{dtbot}` prefix.
 * The label is reduced to characters that are neither glob nor hash-tag syntax nor `:`.
 */
export function createTestPrefix(label: string): string {
  const safeLabel =
    label
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  return `{dtbot-test-${safeLabel}-${randomBytes(6).toString('hex')}}`;
}

/** Makes every character of `text` literal in a Redis MATCH pattern. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[\\{}[\]*?]/g, '\\$&');
}

async function scanKeys(node: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/**
 * Deletes every key starting with `prefix` and returns how many there were. Keys are collected
 * first and unlinked afterwards, because deleting while SCAN runs may make it skip keys.
 */
export async function cleanupPrefix(redis: Redis | Cluster, prefix: string): Promise<number> {
  // An empty or tiny prefix would match (nearly) the whole database.
  if (prefix.length < 3) throw new Error(`refusing to clean up Redis prefix ${JSON.stringify(prefix)}: too short`);
  const pattern = `${escapeRedisGlob(prefix)}*`;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys = new Set<string>();
  for (const node of nodes) for (const key of await scanKeys(node, pattern)) keys.add(key);

  const all = [...keys];
  for (let start = 0; start < all.length; start += UNLINK_BATCH) {
    const batch = all.slice(start, start + UNLINK_BATCH);
    // In a Cluster a multi-key command must stay in one slot; a prefix without a hash tag does not.
    if (redis instanceof Cluster) await Promise.all(batch.map((key) => redis.unlink(key)));
    else await redis.unlink(...batch);
  }
  return all.length;
}
