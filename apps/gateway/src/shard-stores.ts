import { createQueue, type DefaultJobOptions, type Queue } from '@dtbot/queue';
import { Turns, type MessageJob, type QueueShard, type RedisClient } from '@dtbot/shared';
import { TurnBatcher } from './ordering/turn-batcher.js';

/** A queue shard's BullMQ queue: what the queue gauges and the dashboard show, one per shard. */
export interface ShardQueue {
  shard: QueueShard;
  queue: Queue<MessageJob>;
}

/** Where the gateway stores the messages of one queue shard: its queue, and its turns numbered in batches. */
export interface ShardStore extends ShardQueue {
  turns: Turns;
  /** Numbers messages; batches the callbacks of one event-loop turn into one script call, within the shard. */
  numbering: Pick<TurnBatcher, 'next'>;
}

/**
 * One store per queue shard, in shard order, all on one connection. Each shard numbers its messages in batches
 * of its own: the numbering script touches several keys, and in a Redis Cluster they must share one slot.
 */
export function shardStores(
  redis: RedisClient,
  shards: readonly QueueShard[],
  queueName: string,
  defaultJobOptions?: DefaultJobOptions,
): ShardStore[] {
  return shards.map((shard) => {
    const turns = new Turns(redis, shard.keys);
    const queue = createQueue<MessageJob>(queueName, { connection: redis, prefix: shard.keys.bullPrefix, ...(defaultJobOptions ? { defaultJobOptions } : {}) });
    return { shard, queue, turns, numbering: new TurnBatcher(turns) };
  });
}
