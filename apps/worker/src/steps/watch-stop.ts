import { CONVERSATION_GROUP, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import type { AnswerDelivery } from '../delivery/answer-delivery.js';
import { countedAs } from '../counting/counted-as.js';
import { questionAsked, type Reply } from '../replies/reply.js';
import type { StopWatch } from '../stops/answer-stops.js';

export type WatchStopDeps = Pick<WorkerDeps, 'stops'>;

/** What a stopped answer ends with, after what was written of it. */
export const STOPPED_MARK = '（已停止）';

/**
 * Listens for a stop of the answer the model is about to write (a card's stop button, a stop word), for the kinds
 * that ask the model a question; other replies are not written gradually and have nothing to stop. On the job's
 * first take no stop of it can have been asked yet.
 */
export async function watchStop(
  deps: WatchStopDeps,
  jobId: string,
  data: MessageJob,
  reply: Reply,
  delivery: AnswerDelivery,
  firstStart: boolean,
): Promise<StopWatch | undefined> {
  if (questionAsked(reply) === undefined) return undefined;
  return deps.stops.watch({
    jobId,
    robotCode: data.robotCode,
    conversationId: data.conversationId,
    asker: countedAs(data).user,
    group: data.conversationType === CONVERSATION_GROUP,
    outTrackId: delivery.outTrackId,
    firstStart,
  });
}

/** A stopped answer as delivered and remembered: what was written, marked stopped. */
export function stoppedText(written: string): string {
  const text = written.trim();
  return text ? `${text}\n\n${STOPPED_MARK}` : STOPPED_MARK;
}
