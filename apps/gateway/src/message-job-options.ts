import type { DefaultJobOptions } from 'bullmq';

/**
 * How every message job is retried and kept. Backoff is exponential with jitter so a burst of
 * failures does not come back as a burst. Finished jobs are kept a while for the dashboard; the
 * dedupe mark has its own lifetime (`DEDUPE_TTL_SECONDS`) and does not depend on them.
 */
export function messageJobOptions(attempts: number): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
  };
}
