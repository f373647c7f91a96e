import { Queue, type DefaultJobOptions } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';

export interface QueueOptions {
  connection: RedisConnection;
  /** The shard's key prefix: every BullMQ key of the queue starts with it. */
  prefix: string;
  /** What every job added to it gets (`messageJobOptions`); the worker side adds no jobs and needs none. */
  defaultJobOptions?: DefaultJobOptions;
}

/**
 * A BullMQ queue of one shard, on a connection the caller owns (closing the queue leaves it open). Untyped data
 * is `any`, as with BullMQ's own `Queue`, so a queue built for a tool fits wherever a typed one is read.
 */
export function createQueue<T = any>(name: string, options: QueueOptions): Queue<T> {
  const { connection, prefix, defaultJobOptions } = options;
  return new Queue<T>(name, { connection, prefix, ...(defaultJobOptions ? { defaultJobOptions } : {}) });
}
