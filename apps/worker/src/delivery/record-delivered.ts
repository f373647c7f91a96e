import type { RedisClient } from '@dtbot/shared';

/**
 * A job's delivery record: which parts of its texts went out, and by which route. It is a string of
 * `field=route` lines, so the usual answer (one part, nothing recorded yet) costs one command, `SET … NX EX`,
 * where a hash costs three (a script's call, `HSET`, `EXPIRE`). A later part is appended: the record exists
 * already, with the TTL its first line gave it. Records written as hashes by an earlier version (alive as long
 * as a failed job is kept) are still read and added to as hashes, so an upgrade sends no part twice.
 */

// KEYS: the job's delivery record (a hash of the earlier layout). ARGV: field, route, ttlSeconds.
const RECORD_IN_HASH = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
`;

interface RecordCommands {
  dtbotRecordDeliveredInHash(key: string, field: string, route: string, ttlSeconds: number): Promise<null>;
}

const defined = new WeakSet<RedisClient>();

function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

/** The fields of `record`'s lines (`answer.0`, `notice.0`, …). */
export function deliveredFields(record: string): string[] {
  return record
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => line.slice(0, line.lastIndexOf('=')));
}

/** The fields recorded as delivered under `key`, whichever layout holds them. */
export async function readDelivered(redis: RedisClient, key: string): Promise<string[]> {
  try {
    return deliveredFields((await redis.get(key)) ?? '');
  } catch (error) {
    if (!isWrongType(error)) throw error;
    return Object.keys(await redis.hgetall(key));
  }
}

/**
 * Records one delivered part (`field` → the route that carried it). `exists`: this record was written a moment
 * ago by the same delivery, so the part is appended without trying to create it first.
 */
export async function recordDelivered(
  redis: RedisClient,
  key: string,
  field: string,
  route: string,
  ttlSeconds: number,
  exists = false,
): Promise<void> {
  const line = `${field}=${route}\n`;
  try {
    if (!exists && (await redis.set(key, line, 'EX', ttlSeconds, 'NX')) === 'OK') return;
    await redis.append(key, line);
  } catch (error) {
    if (!isWrongType(error)) throw error;
    if (!defined.has(redis)) {
      redis.defineCommand('dtbotRecordDeliveredInHash', { numberOfKeys: 1, lua: RECORD_IN_HASH });
      defined.add(redis);
    }
    await (redis as RedisClient & RecordCommands).dtbotRecordDeliveredInHash(key, field, route, ttlSeconds);
  }
}
