import { sleep } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';

/** A notice on its way is waited for this long at most (its card calls wait up to 15 s for their budget). */
const NOTICE_LANDING_WAIT_MS = 20_000;
const POLL_MS = 50;

export type AnswerStartedDeps = Pick<WorkerDeps, 'notices' | 'logger'>;

/**
 * Marks the message's answer as started: from here on it gets no queue notice, and its start counts in the drain
 * rate that notices estimate from. A notice to it that is on its way lands first, so the asker never reads "you
 * are 37th" after the answer began; a sender that died mid-way is given up on after `NOTICE_LANDING_WAIT_MS`.
 * `receivedAt` (when the gateway stored the message) tells the drain rate whether this start waited for a slot.
 */
export async function answerStarted(deps: AnswerStartedDeps, jobId: string, receivedAt: number): Promise<void> {
  if (!deps.notices) return;
  const deadline = Date.now() + NOTICE_LANDING_WAIT_MS;
  while ((await deps.notices.answerStarted(jobId, Date.now(), receivedAt)) === 'sending') {
    if (Date.now() > deadline) {
      deps.logger.warn({ jobId }, 'a queue notice to this message did not land in time; answering anyway');
      return;
    }
    await sleep(POLL_MS);
  }
}
