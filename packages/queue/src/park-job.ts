import type { Job, Queue } from 'bullmq';

/**
 * Moves a running job to the delayed set until `untilMs` (epoch ms), without holding a worker slot; the
 * processor then throws `stayParked`. `token` is the job's lock, given to the processor.
 */
export async function parkJob(job: Job, untilMs: number, token: string | undefined): Promise<void> {
  await job.moveToDelayed(untilMs, token);
}

/** Brings a parked job back to wait now; a job that is not delayed (or gone) is left as it is. */
export async function wakeJob(job: Job | undefined): Promise<void> {
  await job?.promote().catch(() => undefined);
}

/** Every worker of these queues stops fetching for `waitMs`; the processor then throws `stayPaused`. */
export async function pauseQueues(queues: readonly Queue[], waitMs: number): Promise<void> {
  await Promise.all(queues.map((queue) => queue.rateLimit(waitMs)));
}
