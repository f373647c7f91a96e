import { backoffWait, type BackoffPolicy, type BotError } from '@dtbot/shared';

/**
 * What becomes of a job whose step failed:
 * - `pause_queue`: every worker stops taking jobs for `waitMs` (BullMQ's manual rate limit); the
 *   job goes back to wait and keeps its attempts. For limits all workers share (the model's).
 * - `delay_job`: only this job waits `waitMs` in the delayed set, keeping its attempts and its turn
 *   (the thread's next message waits behind it). For DingTalk throttling one conversation, and
 *   (with no wait) for a model call that failed on a provider whose circuit is now open.
 * - `retry`: a failed attempt; BullMQ retries with the job's exponential backoff.
 * - `give_up`: the user gets the apology, the job stays in the failed set.
 */
export type QueueAction =
  | { action: 'pause_queue'; waitMs: number }
  | { action: 'delay_job'; waitMs: number }
  | { action: 'retry' }
  | { action: 'give_up' };

export interface AttemptState {
  /** Attempts already spent (failed) before this one. */
  attemptsMade: number;
  /** Attempts the job may spend in all. */
  attempts: number;
  /** Times this job has already been delayed for a rate limit of its own. */
  delays: number;
}

/** `baseMs`: the first wait after a job-scoped rate limit that names no wait; `maxMs`: the longest. */
export interface DelayPolicy extends BackoffPolicy {
  /** After this many delays, a further rate limit spends an attempt like any retryable failure. */
  maxDelays: number;
}

export const DEFAULT_DELAY_POLICY: DelayPolicy = { baseMs: 2000, maxMs: 60_000, maxDelays: 10 };

/** Used when a queue-wide rate limit names no wait (the limiter always does; this is a floor). */
const DEFAULT_PAUSE_MS = 1000;

/**
 * The one mapping from a failure's kind to a queue action. Delays of one job grow (doubling, with
 * jitter) so that jobs throttled together do not all come back at the same instant, and they are
 * bounded so a limit that never lifts ends in the apology instead of a job that waits forever.
 */
export function queueActionFor(
  failure: BotError,
  attempt: AttemptState,
  policy: DelayPolicy = DEFAULT_DELAY_POLICY,
  random: () => number = Math.random,
): QueueAction {
  if (failure.kind === 'fatal') return { action: 'give_up' };
  // Another provider serves the next try: no reason to wait. Counted with the job's delays, so a
  // job cannot bounce between failing providers forever.
  if (failure.kind === 'retryable' && failure.retryNow && attempt.delays < policy.maxDelays) return { action: 'delay_job', waitMs: 0 };
  if (failure.kind === 'rate_limited') {
    if (failure.waitScope === 'queue') return { action: 'pause_queue', waitMs: failure.retryAfterMs ?? DEFAULT_PAUSE_MS };
    if (attempt.delays < policy.maxDelays) {
      const jittered = backoffWait(attempt.delays, policy, random);
      return { action: 'delay_job', waitMs: Math.max(failure.retryAfterMs ?? 0, jittered) };
    }
  }
  return attempt.attemptsMade + 1 < attempt.attempts ? { action: 'retry' } : { action: 'give_up' };
}
