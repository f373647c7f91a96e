import { DelayedError, UnrecoverableError, Worker } from 'bullmq';

// A processor tells BullMQ a job's fate by what it throws: these build those errors, so no caller names BullMQ's
// classes. A plain error means "retry with backoff, if attempts are left".

/** The job fails now, whatever attempts it has left; BullMQ moves it to the failed set. */
export function failForGood(reason: string): Error {
  return new UnrecoverableError(reason);
}

/**
 * The processor moved the job to the delayed set itself (`parkJob`): BullMQ leaves it there and counts no
 * attempt.
 */
export function stayParked(reason: string): Error {
  return new DelayedError(reason);
}

/** The queue was paused (`pauseQueues`): BullMQ hands the job back to wait, counting no attempt. */
export function stayPaused(): Error {
  return Worker.RateLimitError();
}

/** The error is `stayParked`'s: the job waits on purpose, nothing failed. */
export function isParked(error: Error): boolean {
  return error.name === 'DelayedError';
}
