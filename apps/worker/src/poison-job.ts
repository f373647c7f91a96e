import type { Job } from '@dtbot/queue';

/**
 * A job is taken over when its worker stops renewing its lock: the process crashed, was killed by a deploy, or
 * its event loop is blocked. The first stall may be innocent (a crash or deploy that had nothing to do with this
 * message), so its job is answered by the next worker as usual. A job whose workers stalled twice is treated as
 * the likely cause: handing it to a third worker would only take that one down too, so it is answered with the
 * apology instead, without running the steps (`processMessage`).
 */
export const POISON_STALLS = 2;

/**
 * BullMQ's own limit (`maxStalledCount`). Past it BullMQ fails the job when a worker takes it, without calling
 * our processor, so nobody would apologise and the conversation's turn would stay held. It is one above
 * `POISON_STALLS` so our processor always sees the job first and settles it; the one extra take covers a worker
 * that stops while settling (the apology itself touches no text of the message). Only a job whose settling was
 * interrupted that way reaches BullMQ's limit, and `createWorker` settles it from the `failed` event
 * (`failedAtStallLimit`).
 */
export const MAX_STALLED_COUNT = POISON_STALLS + 1;

/** The job's workers stalled on it often enough that it is settled as failed instead of run. */
export function stalledTooOften(job: Pick<Job, 'stalledCounter'>): boolean {
  return job.stalledCounter >= POISON_STALLS;
}

/**
 * BullMQ failed the job itself for stalling more than `MAX_STALLED_COUNT` times: it does so only when a worker
 * takes the job, so the count it was taken with is past the limit; our own settling sees at most the limit.
 */
export function failedAtStallLimit(job: Pick<Job, 'stalledCounter'>): boolean {
  return job.stalledCounter > MAX_STALLED_COUNT;
}
