import { createQueue, type DefaultJobOptions, type Queue } from '@dtbot/queue';
import { MESSAGE_JOB_NAME, MessageStore, Turns, type MessageJob, type QueueShard, type RedisClient } from '@dtbot/shared';

/** A queue shard's BullMQ queue: what the queue gauges and the dashboard show, one per shard. */
export interface ShardQueue {
  shard: QueueShard;
  queue: Queue<MessageJob>;
}

/** Where the gateway stores the messages of one queue shard: its queue, its turns, and the one-step store. */
export interface ShardStore extends ShardQueue {
  turns: Turns;
  /** Numbers and adds a message in one script call, within the shard. */
  messages: Pick<MessageStore, 'store'>;
}

/**
 * One store per queue shard, in shard order, all on one connection. Each shard stores its messages with a script
 * of its own: the store script touches the queue's keys and the turns', and in a Redis Cluster they must share one
 * slot.
 */
export function shardStores(
  redis: RedisClient,
  shards: readonly QueueShard[],
  queueName: string,
  options: { defaultJobOptions?: DefaultJobOptions; dedupeTtlMs: number },
): ShardStore[] {
  const { defaultJobOptions, dedupeTtlMs } = options;
  return shards.map((shard) => {
    const turns = new Turns(redis, shard.keys);
    const queue = createQueue<MessageJob>(queueName, { connection: redis, prefix: shard.keys.bullPrefix, ...(defaultJobOptions ? { defaultJobOptions } : {}) });
    return { shard, queue, turns, messages: new MessageStore(redis, shard.keys, queue, { jobName: MESSAGE_JOB_NAME, defaultJobOptions, dedupeTtlMs }) };
  });
}
