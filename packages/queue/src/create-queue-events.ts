import { QueueEvents } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';

export interface QueueEventsOptions {
  /** A connection of its own: the reader blocks on the event stream. */
  connection: RedisConnection;
  prefix: string;
  /** Where in the event stream to start: '0-0' reads from the start, so nothing before the reader started is missed. */
  lastEventId?: string;
}

/** The event stream of one queue shard (`delayed`, `waiting`, `failed`, …), for tools and tests that watch jobs move. */
export function createQueueEvents(name: string, options: QueueEventsOptions): QueueEvents {
  const { connection, prefix, lastEventId } = options;
  return new QueueEvents(name, { connection, prefix, ...(lastEventId !== undefined ? { lastEventId } : {}) });
}
