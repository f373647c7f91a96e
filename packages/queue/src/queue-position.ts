import type { Job, Queue } from 'bullmq';
import { PRIORITY_SCORE_STEP } from './priorities.js';
import type { RedisConnection } from './redis-connection.js';

export interface QueuePlace {
  /** Messages a worker will take before this one. */
  ahead: number;
  /** When the queue was read, by Redis' clock (epoch ms, to the microsecond): the moment the count is true of. */
  countedAt: number;
}

// KEYS: the queue's wait list (BullMQ's `wait` key), its prioritized set (`prioritized`).
// ARGV: job id, its state ('waiting', 'prioritized' or 'delayed'), its priority, PRIORITY_SCORE_STEP.
// Returns {ahead, seconds, microseconds}: how many jobs BullMQ serves before it (-1: see below), and Redis' TIME.
// One snapshot of the queue, and Redis' time of it. BullMQ serves its plain wait list first, from the right end,
// then its prioritized jobs by score (`PRIORITY_SCORE_STEP`). A delayed job (parked behind an earlier
// message of its thread, or a retry's backoff) comes back with its priority, behind the whole wait list and every
// prioritized job of its priority or a lower one. -1: the job is not where its state said (it just moved).
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
  return {waiting + redis.call('ZCOUNT', KEYS[2], '-inf', string.format('%.0f', (priority + 1) * tonumber(ARGV[4]) - 1)), now[1], now[2]}
end
return {-1, now[1], now[2]}
`;

interface CountCommand {
  dtbotCountAhead(wait: string, prioritized: string, id: string, state: string, priority: number, scoreStep: number): Promise<[number, string, string]>;
}

/** Where waiting jobs of one queue stand, as BullMQ will serve them. */
export class QueuePosition {
  private readonly redis: RedisConnection & CountCommand;

  constructor(
    redis: RedisConnection,
    private readonly queue: Queue,
  ) {
    redis.defineCommand('dtbotCountAhead', { numberOfKeys: 2, lua: COUNT_AHEAD });
    this.redis = redis as RedisConnection & CountCommand;
  }

  /**
   * Where a waiting job stands, read in one script so the count is one moment's truth; `undefined` when the job is
   * not waiting (it just started, or moved between the reads).
   */
  async of(job: Job, state: string): Promise<QueuePlace | undefined> {
    if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return undefined;
    const [ahead, seconds, micros] = await this.redis.dtbotCountAhead(
      this.queue.toKey('wait'),
      this.queue.toKey('prioritized'),
      job.id!,
      state,
      job.opts.priority ?? 0,
      PRIORITY_SCORE_STEP,
    );
    return ahead < 0 ? undefined : { ahead, countedAt: Number(seconds) * 1000 + Number(micros) / 1000 };
  }
}
