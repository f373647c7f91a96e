import { failForGood, isFirstStart, jobIdFor, type Job } from '@dtbot/queue';
import { messageJobSchema, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import type { AnswerDelivery } from './delivery/answer-delivery.js';
import { openDelivery, type DeliveryDeps } from './delivery/choose-route.js';
import { questionAsked, type Produced, type Reply } from './replies/reply.js';
import { stalledTooOften } from './poison-job.js';
import { giveUpOnStalls, settleFailure, type SettleFailureDeps } from './settle-failure.js';
import { decideReply, type DecideDeps } from './steps/decide-reply.js';
import { endTurn, type EndTurnDeps } from './steps/end-turn.js';
import { produceReply, type ProduceReplyDeps } from './steps/produce-reply.js';
import { remember, type RememberDeps } from './steps/remember.js';
import { takeTurn, type TakeTurnDeps } from './steps/take-turn.js';
import { stoppedText, watchStop, type WatchStopDeps } from './steps/watch-stop.js';
import { actOnStopWord, type StopWordDeps } from './steps/stop-word.js';
import { answerStarted, type AnswerStartedDeps } from './notices/answer-started.js';

/** Every step's deps together: all of the bag but `shard`, as processMessage runs every step. */
export type ProcessMessageDeps = TakeTurnDeps &
  AnswerStartedDeps &
  DecideDeps &
  DeliveryDeps &
  ProduceReplyDeps &
  RememberDeps &
  EndTurnDeps &
  WatchStopDeps &
  StopWordDeps &
  SettleFailureDeps;

/**
 * One message, in order: take the conversation's turn → mark its answer started (no queue notice
 * after this) → decide the reply → produce it (listening for a stop while the model writes) → deliver it →
 * remember it → end the turn. A stopped answer is delivered and remembered as what was written, marked stopped. Every step
 * is safe to run again when the job is retried; a failure is settled in one place (`settleFailure`). A job its
 * workers stalled on twice runs no step past the turn: it is failed with the apology (`poison-job.ts`).
 */
export async function processMessage(deps: ProcessMessageDeps, job: Job<MessageJob>, token: string | undefined): Promise<void> {
  const parsed = messageJobSchema.safeParse(job.data);
  if (!parsed.success) {
    deps.metrics.failures.inc({ failure: 'invalid_job_data' });
    throw failForGood('job data does not match the message contract');
  }
  const data = parsed.data;
  const jobId = job.id ?? jobIdFor(data.orderKey, data.seq);

  // Before the turn: the answer a stop word stops holds it.
  await actOnStopWord(deps, jobId, data);
  await takeTurn(deps, job, jobId, data, token);
  // After the turn is taken, so the apology keeps the conversation's order like any answer.
  if (stalledTooOften(job)) {
    await answerStarted(deps, jobId, data.receivedAt);
    await giveUpOnStalls(deps, jobId, data, job.stalledCounter, 'worker');
    throw failForGood(`its workers stalled ${job.stalledCounter} times on it`);
  }
  let delivery: AnswerDelivery | undefined;
  try {
    await answerStarted(deps, jobId, data.receivedAt);
    const reply = await decideReply(deps, jobId, data);
    // On the job's first take nothing of its answer is kept or delivered yet, and with notices off no card is open.
    const firstStart = isFirstStart(job);
    const unwritten = { parts: firstStart, card: firstStart && deps.notices === undefined };
    delivery = await openDelivery(deps, jobId, data, { label: 'answer', gradual: questionAsked(reply) !== undefined, unwritten });
    const stop = await watchStop(deps, jobId, data, reply, delivery, firstStart);
    let produced: Produced;
    try {
      produced = await produceReply(deps, { jobId, data, delivery, started: startedOnce(deps, job, data), firstStart, stop }, reply);
    } catch (error) {
      await stop?.end();
      throw error;
    }
    const { asked } = produced;
    let { text } = produced;
    // Messages show nothing before the end: a stop before any word was written leaves nothing to send (the stop word's
    // reply says it stopped). A card shows the mark, as it must end somehow.
    const nothingToSend = stop?.stopped === true && !text.trim() && delivery.via === 'message';
    if (stop?.stopped) {
      text = stoppedText(text);
      deps.metrics.stoppedAnswers.inc();
      deps.logger.info({ msgId: data.msgId, jobId }, 'answer stopped');
    }
    // Before it is delivered: a stop pressed from now on changes nothing.
    await stop?.end(text);
    if (nothingToSend) await delivery.discard();
    else await delivery.finish(text, { stopped: stop?.stopped ?? false });
    await remember(deps, jobId, data, asked, text);
    countReply(deps, jobId, data, reply, asked);
  } catch (error) {
    await delivery?.discard();
    await settleFailure(deps, job, token, jobId, data, error);
  }
  await endTurn(deps, data);
}

/**
 * Times the wait from the gateway storing the message to its reply's start, once per message: not again when a
 * provider refusal (max_tokens) asks twice in one run, and not for retries, whose wait is the backoff. A job
 * whose model request was answered 429 is counted again when it is sent again.
 */
function startedOnce(deps: Pick<WorkerDeps, 'metrics'>, job: Job<MessageJob>, data: MessageJob): () => void {
  let done = job.attemptsMade > 0;
  return () => {
    if (done) return;
    done = true;
    deps.metrics.storedToStartedSeconds.observe(Math.max(0, Date.now() - data.receivedAt) / 1000);
  };
}

function countReply(deps: Pick<WorkerDeps, 'metrics' | 'logger'>, jobId: string, data: MessageJob, reply: Reply, asked: string | undefined): void {
  if (reply.kind === 'refusal') deps.metrics.refusals.inc({ reason: reply.refusal });
  if (asked === undefined) {
    // A file that could not be read was answered with a note saying why.
    deps.metrics.jobs.inc({ outcome: reply.kind === 'file' ? 'note' : reply.kind });
    return;
  }
  const latencyMs = Date.now() - data.receivedAt;
  deps.metrics.jobs.inc({ outcome: 'answered' });
  deps.metrics.answerSeconds.observe(latencyMs / 1000);
  deps.logger.info({ msgId: data.msgId, jobId, latencyMs }, 'answered');
}
