import type { Cluster, Redis } from 'ioredis';

/** The ioredis connection a queue or worker runs on (BullMQ takes either kind). */
export type RedisConnection = Redis | Cluster;
