import type { DefaultJobOptions, KeepJobs } from 'bullmq';

export interface JobRetention {
  completed: KeepJobs;
  failed: KeepJobs;
}

/**
 * How long finished jobs stay, and how many at most, in each queue shard. Redis runs with `noeviction`, so an age
 * alone is no bound: a day of DingTalk refusing every answer would keep every failed job of a week. Measured on
 * Redis 7 with `MEMORY USAGE … SAMPLES 0`: a failed job with a 2.2 KB message and three attempts' stack traces
 * takes about 7.7 KB, so 5,000 failed jobs hold about 40 MB per shard; a completed job, without stack traces, about
 * 3.5 KB, so 10,000 of them about 35 MB. The newest failures are kept, which are those an operator retries; older
 * ones past the count are the same outage over again. The worker keeps a job's card and delivered parts
 * (`card-record.ts`, `message-delivery.ts`) for the same 7 days as a failed job, so a retry finds them.
 */
export const JOB_RETENTION: JobRetention = {
  completed: { age: 3600, count: 10_000 },
  failed: { age: 7 * 86_400, count: 5_000 },
};

/**
 * Tries of a message before it fails for good and waits in the failed set for an operator. With the backoff below
 * (1 s, doubling) the retries span about 15 s: long enough for a blip of the model or DingTalk to pass, short enough
 * that the asker is not kept waiting for minutes.
 */
export const MESSAGE_JOB_ATTEMPTS = 5;

/**
 * How every message job is retried and kept. Backoff is exponential with jitter so a burst of
 * failures does not come back as a burst. Finished jobs are kept a while for the dashboard; the
 * dedupe mark has its own lifetime (`DEDUPE_TTL_MS`) and does not depend on them.
 */
export function messageJobOptions(attempts: number, retention: JobRetention = JOB_RETENTION): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: retention.completed,
    removeOnFail: retention.failed,
  };
}
