import type { Queue } from 'bullmq';
import { PRIORITY_SCORE_STEP } from './priorities.js';
import type { RedisConnection } from './redis-connection.js';

/** Priority levels looked at: far more than the distinct loads of a real backlog (see `jobPriorityFor`). */
const MAX_LEVELS = 64;

// KEYS: the queue's prioritized set (BullMQ's `prioritized` key). ARGV: the most levels to look at,
// PRIORITY_SCORE_STEP. Returns the job ids of the oldest job of each priority level, lowest level first.
// A priority's jobs lie in one step of scores in arrival order, so the first member of each step is that level's
// oldest job. Scores are formatted without exponent. The caller then reads each job's hash (`queue.toKey(id)`,
// field `timestamp`: when it was added, epoch ms).
const FIRST_OF_EACH_LEVEL = `
local firsts = {}
local from = '-inf'
local step = tonumber(ARGV[2])
for _ = 1, tonumber(ARGV[1]) do
  local first = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #first == 0 then break end
  firsts[#firsts + 1] = first[1]
  from = string.format('%.0f', (math.floor(tonumber(first[2]) / step) + 1) * step)
end
return firsts
`;

/**
 * When the longest-waiting prioritized job was stored (epoch ms), or undefined when there is none. Every
 * normal-lane message is prioritized (its conversation's load is its priority), so this is where a backlog
 * waits; the oldest of each priority level is its first, which keeps the read to a few commands per level
 * whatever the backlog's size.
 */
export async function oldestPrioritizedTimestamp(queue: Queue): Promise<number | undefined> {
  // BullMQ types its client by the commands it uses itself; its Redis backend hands out the ioredis connection the
  // queue was given.
  const client = (await queue.getBackend().client) as unknown as RedisConnection;
  const firsts = (await client.eval(FIRST_OF_EACH_LEVEL, 1, queue.toKey('prioritized'), MAX_LEVELS, PRIORITY_SCORE_STEP)) as string[];
  if (firsts.length === 0) return undefined;
  const pipeline = client.pipeline();
  for (const id of firsts) pipeline.hget(queue.toKey(id), 'timestamp');
  const timestamps = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value)).filter((value) => Number.isFinite(value) && value > 0);
  return timestamps.length === 0 ? undefined : Math.min(...timestamps);
}
