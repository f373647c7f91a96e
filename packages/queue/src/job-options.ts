import type { DefaultJobOptions } from 'bullmq';
import { JOB_RETENTION, type JobRetention } from './retention.js';

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
