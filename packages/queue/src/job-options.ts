import type { DefaultJobOptions } from 'bullmq';
import { JOB_RETENTION, type JobRetention } from './retention.js';

/**
 * How every message job is retried and kept. Backoff is exponential with jitter so a burst of
 * failures does not come back as a burst. Finished jobs are kept a while for the dashboard; the
 * dedupe mark has its own lifetime (`DEDUPE_TTL_SECONDS`) and does not depend on them.
 */
export function messageJobOptions(attempts: number, retention: JobRetention = JOB_RETENTION): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: retention.completed,
    removeOnFail: retention.failed,
  };
}
