import type { Queue } from 'bullmq';
import { PRIORITY_SCORE_STEP, type RedisClient } from '@dtbot/shared';

/** Priority levels looked at: far more than the distinct loads of a real backlog (see `jobPriorityFor`). */
const MAX_LEVELS = 64;

// KEYS: the prioritized set. ARGV: the most levels to look at, PRIORITY_SCORE_STEP. A priority's jobs lie in one
// step of scores in arrival order, so the first member of each step is that level's oldest job; returns those,
// lowest level first. Scores are formatted without exponent.
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
  const client = (await queue.getBackend().client) as unknown as RedisClient;
  const firsts = (await client.eval(FIRST_OF_EACH_LEVEL, 1, queue.toKey('prioritized'), MAX_LEVELS, PRIORITY_SCORE_STEP)) as string[];
  if (firsts.length === 0) return undefined;
  const pipeline = client.pipeline();
  for (const id of firsts) pipeline.hget(queue.toKey(id), 'timestamp');
  const timestamps = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value)).filter((value) => Number.isFinite(value) && value > 0);
  return timestamps.length === 0 ? undefined : Math.min(...timestamps);
}
