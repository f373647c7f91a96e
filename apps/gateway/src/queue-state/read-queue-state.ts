import { oldestPrioritizedTimestamp } from '@dtbot/queue';
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
   * Age of the oldest job waiting to be taken, plain or prioritized (every normal-lane message is prioritized),
   * 0 when none waits: the longest any question has waited for its answer to start. Delayed jobs are left out:
   * they wait for their own thread's earlier answer, or a retry's backoff, not for the queue.
   */
  oldestWaitingSeconds: number;
  /** Workers connected to the queue (BullMQ reads CLIENT LIST); undefined where Redis refuses that command. */
  workers: number | undefined;
}

/** One read of a queue's state from BullMQ: a handful of Redis commands, whatever the queue's size. */
export async function readQueueState({ shard, queue }: ShardQueue, now: number): Promise<QueueState> {
  const [counts, oldestPlain, oldestPrioritized, workers] = await Promise.all([
    queue.getJobCounts(...QUEUE_STATES),
    // Ascending: the first job is the one that has waited longest.
    queue.getJobs(['waiting'], 0, 0, true),
    oldestPrioritizedTimestamp(queue),
    queue.getWorkersCount().catch(() => undefined),
  ]);
  const stored = [oldestPlain[0]?.timestamp, oldestPrioritized].filter((value): value is number => value !== undefined);
  const timestamp = stored.length === 0 ? undefined : Math.min(...stored);
  return {
    queue: queue.name,
    shard: shard.index,
    counts: Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as Record<QueueStateName, number>,
    oldestWaitingSeconds: timestamp === undefined ? 0 : Math.max(0, (now - timestamp) / 1000),
    workers,
  };
}
