import type { Job } from 'bullmq';

/**
 * Whether this is the first time any worker took the job: BullMQ counts every take (`attemptsStarted`, its
 * `ats` field), also those that count no attempt (a job parked and woken, handed back by a rate limit, taken
 * over after a stall), and keeps the count when an operator retries the job. On its first take a job has left
 * nothing of its own in Redis yet (a kept answer, a delivery record), so what only an earlier take can have
 * written need not be read. A count of 0 (a take BullMQ did not count) is not taken for a first start.
 */
export function isFirstStart(job: Pick<Job, 'attemptsStarted' | 'attemptsMade' | 'stalledCounter'>): boolean {
  return job.attemptsStarted === 1 && job.attemptsMade === 0 && job.stalledCounter === 0;
}
