import { createQueueWorker, isParked, type Worker } from '@dtbot/queue';
import type { MessageJob, RedisClient } from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import { failedAtStallLimit, MAX_STALLED_COUNT } from './poison-job.js';
import { processMessage, type ProcessMessageDeps } from './process-message.js';
import { settleAtStallLimit, type SettleFailureDeps } from './settle-failure.js';

export type CreateWorkerDeps = ProcessMessageDeps & SettleFailureDeps & Pick<WorkerDeps, 'keys' | 'logger' | 'shard'>;

export interface WorkerOptions {
  queueName: string;
  /** Jobs in flight (`WORKER_CONCURRENCY`): `createWorkers` shares them out between the shards. */
  concurrency: number;
  /** Tests only: shorter than `JOB_LOCK_MS` and `STALL_CHECK_INTERVAL_MS` (`@dtbot/queue`), to see a takeover in a second. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * One BullMQ worker per queue shard, so every worker process serves every shard. The process's concurrency is
 * shared out between them (`concurrencyShare`): a BullMQ worker serves one queue, and its slots cannot be lent to
 * another's.
 */
export function createWorkers(shards: readonly CreateWorkerDeps[], connection: RedisClient, options: WorkerOptions): Worker<MessageJob>[] {
  return shards.map((deps, index) =>
    createWorker(deps, connection, { ...options, concurrency: concurrencyShare(options.concurrency, shards.length, index) }),
  );
}

/**
 * Shard `index`'s part of `total` slots: equal parts, the remainder to the first shards, and at least one each,
 * or a shard would never be served. Conversations are spread evenly over the shards by hash, so under load each
 * shard has about its part of the work.
 */
export function concurrencyShare(total: number, shards: number, index: number): number {
  return Math.max(1, Math.floor(total / shards) + (index < total % shards ? 1 : 0));
}

/**
 * The BullMQ worker of one shard around `processMessage`, which settles every failure itself
 * (`settle-failure.ts`): BullMQ only reads the job's fate from the error it throws.
 */
export function createWorker(deps: CreateWorkerDeps, connection: RedisClient, options: WorkerOptions): Worker<MessageJob> {
  const worker = createQueueWorker<MessageJob>(options.queueName, (job, token) => processMessage(deps, job, token), {
    connection,
    prefix: deps.keys.bullPrefix,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs,
    // Above our own limit, so a job stalled too often is settled by us with the apology (`poison-job.ts`).
    maxStalledCount: MAX_STALLED_COUNT,
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    if (!isParked(error)) deps.logger.warn({ jobId: job.id, msgId: job.data.msgId, err: error.message }, 'attempt failed');
    if (failedAtStallLimit(job)) {
      void settleAtStallLimit(deps, job).catch((settling: unknown) =>
        deps.logger.error({ jobId: job.id, err: settling }, 'stalled job could not be settled'),
      );
    }
  });
  worker.on('error', (error) => deps.logger.error({ err: error, shard: deps.shard.index }, 'worker error'));
  return worker;
}
