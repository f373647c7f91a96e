import { Worker, type Job } from 'bullmq';
import type { MessageJob, RedisClient } from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import { processMessage } from './process-message.js';

export interface WorkerOptions {
  queueName: string;
  prefix: string;
  concurrency: number;
  /** A crashed worker's jobs are taken over after at most lockDuration + stalledInterval. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The BullMQ worker around `processMessage`, which settles every failure itself (`settle-failure.ts`):
 * BullMQ only reads the job's fate from the error it throws.
 */
export function createWorker(deps: WorkerDeps, connection: RedisClient, options: WorkerOptions): Worker<MessageJob> {
  const worker: Worker<MessageJob> = new Worker<MessageJob>(
    options.queueName,
    (job: Job<MessageJob>, token?: string) => processMessage(deps, job, token),
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.lockDurationMs ?? 20_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      maxStalledCount: 3,
      // BullMQ honours a manual rate limit (`queue.rateLimit`) at fetch time only when the worker
      // has a limiter; this one is far above any real rate, so it never limits by itself.
      limiter: { max: 1_000_000_000, duration: 1000 },
      // A job handed back while rate limited wakes no idle worker, so idle workers look again
      // every second instead of BullMQ's five.
      drainDelay: 1,
    },
  );
  worker.on('failed', (job, error) => {
    if (job && error.name !== 'DelayedError') deps.logger.warn({ jobId: job.id, msgId: job.data.msgId, err: error.message }, 'attempt failed');
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'worker error'));
  return worker;
}
