import type { Job, Queue } from 'bullmq';
import type { MessageJob, RedisClient } from '@dtbot/shared';

/** BullMQ orders its prioritized jobs by `priority * 2^32 + arrival counter`. */
const PRIORITY_SCORE_STEP = 0x1_0000_0000;

export type PositionDeps = { redis: RedisClient; queue: Queue<MessageJob> };

/**
 * How many messages of the job's queue a worker will take before it, as BullMQ serves them: its plain wait list
 * first (from the right end, where it takes jobs), then its prioritized jobs, lowest score first. A job
 * that waits in the delayed set (parked until an earlier message of its conversation is answered, or a retry's
 * backoff) counts what will be ahead of it when it comes back with its priority: the whole wait list and every
 * prioritized job of its priority or a lower one. `undefined` when the job is not waiting (it just started, or
 * moved between the reads).
 */
export async function messagesAhead(deps: PositionDeps, job: Job<MessageJob>, state: string): Promise<number | undefined> {
  const wait = deps.queue.toKey('wait');
  const prioritized = deps.queue.toKey('prioritized');
  const id = job.id!;
  if (state === 'waiting') {
    const [index, length] = await Promise.all([deps.redis.lpos(wait, id) as Promise<number | null>, deps.redis.llen(wait)]);
    return index === null ? undefined : length - 1 - index;
  }
  if (state === 'prioritized') {
    const [rank, length] = await Promise.all([deps.redis.zrank(prioritized, id), deps.redis.llen(wait)]);
    return rank === null ? undefined : length + rank;
  }
  if (state === 'delayed') {
    const priority = job.opts.priority ?? 0;
    const [length, before] = await Promise.all([
      deps.redis.llen(wait),
      priority > 0 ? deps.redis.zcount(prioritized, '-inf', (priority + 1) * PRIORITY_SCORE_STEP - 1) : Promise.resolve(0),
    ]);
    return length + before;
  }
  return undefined;
}
