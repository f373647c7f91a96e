import { Worker, type Job } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';

/**
 * BullMQ honours a manual rate limit (`queue.rateLimit`) at fetch time only when the worker has a
 * limiter; this one is far above any real rate, so it never limits by itself. Its counter still
 * lives in the queue's limiter key for a second after each fetch, so only a TTL read with this
 * maximum (`queue.getRateLimitTtl(FETCH_LIMITER_MAX)`) tells a real pause from that counter.
 */
export const FETCH_LIMITER_MAX = 1_000_000_000;

export interface QueueWorkerOptions {
  connection: RedisConnection;
  /** The shard's key prefix, the same as its queue's. */
  prefix: string;
  /** Jobs this worker runs at once. */
  concurrency: number;
  /** A crashed worker's jobs are taken over after at most lockDuration + stalledInterval. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** BullMQ fails a job itself when a worker takes it after more stalls than this. */
  maxStalledCount: number;
}

/** What runs one job; the token is the job's lock, which moving the job to the delayed set needs. */
export type JobProcessor<T> = (job: Job<T>, token: string | undefined) => Promise<void>;

/**
 * A BullMQ worker of one queue shard, not yet running (`worker.run()`), with the options every message worker
 * shares. The processor settles every failure itself: BullMQ only reads the job's fate from the error it throws
 * (`job-fates.ts`).
 */
export function createQueueWorker<T>(name: string, processor: JobProcessor<T>, options: QueueWorkerOptions): Worker<T> {
  return new Worker<T>(name, (job: Job<T>, token?: string) => processor(job, token), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    autorun: false,
    lockDuration: options.lockDurationMs ?? 20_000,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    maxStalledCount: options.maxStalledCount,
    limiter: { max: FETCH_LIMITER_MAX, duration: 1000 },
    // A job handed back while rate limited wakes no idle worker, so idle workers look again
    // every second instead of BullMQ's five.
    drainDelay: 1,
  });
}
