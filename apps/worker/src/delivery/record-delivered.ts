import type { RedisClient } from '@dtbot/shared';

// KEYS: the job's delivery record. ARGV: field, route, ttlSeconds.
// The field and the record's TTL are written together, so no record outlives its TTL; one script
// costs one command less than MULTI, HSET, EXPIRE, EXEC.
const RECORD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
`;

interface RecordCommands {
  dtbotRecordDelivered(key: string, field: string, route: string, ttlSeconds: number): Promise<null>;
}

const defined = new WeakSet<RedisClient>();

/** Records one delivered part (`field` → the route that carried it) and renews the record's TTL, atomically. */
export async function recordDelivered(redis: RedisClient, key: string, field: string, route: string, ttlSeconds: number): Promise<void> {
  if (!defined.has(redis)) {
    redis.defineCommand('dtbotRecordDelivered', { numberOfKeys: 1, lua: RECORD });
    defined.add(redis);
  }
  await (redis as RedisClient & RecordCommands).dtbotRecordDelivered(key, field, route, ttlSeconds);
}
