import { Worker, type Job } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';

/**
 * BullMQ honours a manual rate limit (`queue.rateLimit`) at fetch time only when the worker has a
 * limiter; this one is far above any real rate, so it never limits by itself. Its counter still
 * lives in the queue's limiter key for a second after each fetch, so only a TTL read with this
 * maximum (`queue.getRateLimitTtl(FETCH_LIMITER_MAX)`) tells a real pause from that counter.
 */
export const FETCH_LIMITER_MAX = 1_000_000_000;

/**
 * How long a job's lock lasts unrenewed before the job is thought stalled (its worker died) and handed to another
 * worker. Shorter than BullMQ's 30 s so that a killed worker's jobs are taken over within 15 s (this and one
 * `STALL_CHECK_INTERVAL_MS`), a quarter of the minute a message may take to be answered after a crash. Safe for a
 * living worker: BullMQ renews the locks of its jobs every half lock (5 s), so a lock runs out only when its worker's
 * event loop is blocked for more than 5 s, and nothing of ours blocks it that long (files are read in worker threads;
 * model, tool and DingTalk calls are awaited, not spun on).
 */
export const JOB_LOCK_MS = 10_000;

/**
 * How often a worker looks for stalled jobs (one check per queue at a time, whichever worker runs it). A dead
 * worker's job is marked by one check and handed back by the first one after its lock ran out, so the takeover
 * comes at most this long after the lock's end. A check is one script over the queue's active jobs: cheap.
 */
export const STALL_CHECK_INTERVAL_MS = 5000;

export interface QueueWorkerOptions {
  connection: RedisConnection;
  /** The shard's key prefix, the same as its queue's. */
  prefix: string;
  /** Jobs this worker runs at once. */
  concurrency: number;
  /** Tests only: shorter than `JOB_LOCK_MS` and `STALL_CHECK_INTERVAL_MS`, to see a takeover in a second. */
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
    lockDuration: options.lockDurationMs ?? JOB_LOCK_MS,
    stalledInterval: options.stalledIntervalMs ?? STALL_CHECK_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount,
    limiter: { max: FETCH_LIMITER_MAX, duration: 1000 },
    // A job handed back while rate limited wakes no idle worker, so idle workers look again
    // every second instead of BullMQ's five.
    drainDelay: 1,
  });
}
