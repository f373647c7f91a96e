import type { ShardQueue } from '../shard-stores.js';

/** The job states an operator watches; BullMQ's names. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;
export type QueueStateName = (typeof QUEUE_STATES)[number];

export interface QueueState {
  queue: string;
  /** The queue shard (`QUEUE_SHARDS`): each shard is a BullMQ queue of its own. */
  shard: number;
  counts: Record<QueueStateName, number>;
  /**
   * Age of the oldest job in the wait list, 0 when it is empty. The wait list holds each conversation's next
   * question (later ones of the same conversation wait as prioritized jobs behind it, by design), so this is the
   * longest any conversation has been waiting for its answer to start.
   */
  oldestWaitingSeconds: number;
  /** Workers connected to the queue (BullMQ reads CLIENT LIST); undefined where Redis refuses that command. */
  workers: number | undefined;
}

/** One read of a queue's state from BullMQ: a handful of Redis commands, whatever the queue's size. */
export async function readQueueState({ shard, queue }: ShardQueue, now: number): Promise<QueueState> {
  const [counts, oldest, workers] = await Promise.all([
    queue.getJobCounts(...QUEUE_STATES),
    // Ascending: the first job is the one that has waited longest.
    queue.getJobs(['waiting'], 0, 0, true),
    queue.getWorkersCount().catch(() => undefined),
  ]);
  const timestamp = oldest[0]?.timestamp;
  return {
    queue: queue.name,
    shard: shard.index,
    counts: Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as Record<QueueStateName, number>,
    oldestWaitingSeconds: timestamp === undefined ? 0 : Math.max(0, (now - timestamp) / 1000),
    workers,
  };
}
