import type { Job, Queue } from 'bullmq';
import type { MessageJob, RedisClient } from '@dtbot/shared';

export type PositionDeps = { redis: RedisClient; queue: Queue<MessageJob> };

export interface QueuePlace {
  /** Messages a worker will take before this one. */
  ahead: number;
  /** When the queue was read, by Redis' clock (epoch ms, to the microsecond): the moment the count is true of. */
  countedAt: number;
}

// KEYS: the queue's wait list, its prioritized set. ARGV: job id, its state, its priority.
// One snapshot of the queue, and Redis' time of it. BullMQ serves its plain wait list first, from the right end,
// then its prioritized jobs by score, `priority * 2^32 + arrival counter`. A delayed job (parked behind an earlier
// message of its thread, or a retry's backoff) comes back with its priority, behind the whole wait list and every
// prioritized job of its priority or a lower one. -1: the job is not where its state said (it just moved). Then
// Redis' TIME: seconds, microseconds.
const COUNT_AHEAD = `
local now = redis.call('TIME')
local waiting = redis.call('LLEN', KEYS[1])
if ARGV[2] == 'waiting' then
  local index = redis.call('LPOS', KEYS[1], ARGV[1])
  if not index then return {-1, now[1], now[2]} end
  return {waiting - 1 - index, now[1], now[2]}
end
if ARGV[2] == 'prioritized' then
  local rank = redis.call('ZRANK', KEYS[2], ARGV[1])
  if not rank then return {-1, now[1], now[2]} end
  return {waiting + rank, now[1], now[2]}
end
if ARGV[2] == 'delayed' then
  local priority = tonumber(ARGV[3])
  if priority <= 0 then return {waiting, now[1], now[2]} end
  return {waiting + redis.call('ZCOUNT', KEYS[2], '-inf', string.format('%.0f', (priority + 1) * 4294967296 - 1)), now[1], now[2]}
end
return {-1, now[1], now[2]}
`;

interface CountCommand {
  dtbotCountAhead(wait: string, prioritized: string, id: string, state: string, priority: number): Promise<[number, string, string]>;
}

const defined = new WeakSet<RedisClient>();

/**
 * Where a waiting job stands in its queue, as BullMQ will serve it, read in one script so the count is one moment's
 * truth; `undefined` when the job is not waiting (it just started, or moved between the reads).
 */
export async function messagesAhead(deps: PositionDeps, job: Job<MessageJob>, state: string): Promise<QueuePlace | undefined> {
  if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return undefined;
  if (!defined.has(deps.redis)) {
    deps.redis.defineCommand('dtbotCountAhead', { numberOfKeys: 2, lua: COUNT_AHEAD });
    defined.add(deps.redis);
  }
  const redis = deps.redis as RedisClient & CountCommand;
  const [ahead, seconds, micros] = await redis.dtbotCountAhead(deps.queue.toKey('wait'), deps.queue.toKey('prioritized'), job.id!, state, job.opts.priority ?? 0);
  return ahead < 0 ? undefined : { ahead, countedAt: Number(seconds) * 1000 + Number(micros) / 1000 };
}
