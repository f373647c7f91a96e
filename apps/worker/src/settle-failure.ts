import { failForGood, jobIdFor, parkJob, pauseQueues, stayParked, stayPaused, type Job } from '@dtbot/queue';
import { BotError, messageJobSchema, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import type { PoisonSettler } from './metrics.js';
import { classifyError } from './failures/classify-error.js';
import { queueActionFor } from './queue-action.js';
import { openDelivery, type DeliveryDeps } from './delivery/choose-route.js';
import { apology } from './replies/canned-replies.js';
import { endTurn, type EndTurnDeps } from './steps/end-turn.js';
import { FAILURES } from './failures/failure-catalogue.js';
import { failureCodeOf, WorkerFailure } from './failures/worker-failure.js';

const DELAY_COUNT_TTL_SECONDS = 86_400;

export type SettleFailureDeps = DeliveryDeps &
  EndTurnDeps &
  Pick<WorkerDeps, 'metrics' | 'logger' | 'keys' | 'redis' | 'settings' | 'queues' | 'quotas'>;

/**
 * Carries out what `queueActionFor` decided for a failed step. Always throws: BullMQ reads the
 * job's fate from the error (`stayPaused`, `stayParked`, a plain error to retry, or `failForGood`).
 */
export async function settleFailure(
  deps: SettleFailureDeps,
  job: Job<MessageJob>,
  token: string | undefined,
  jobId: string,
  data: MessageJob,
  error: unknown,
): Promise<never> {
  const failure = classifyError(error);
  deps.metrics.failures.inc({ failure: failureCodeOf(failure) });
  const delaysKey = deps.keys.jobDelays(jobId);
  const decided = queueActionFor(
    failure,
    { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, delays: Number((await deps.redis.get(delaysKey)) ?? 0) },
    deps.settings.jobDelay,
  );
  switch (decided.action) {
    case 'pause_queue':
      deps.metrics.jobs.inc({ outcome: 'rate_limited' });
      deps.metrics.rateLimitedSeconds.inc({ scope: 'queue' }, decided.waitMs / 1000);
      // The model's limit is everyone's: every shard's workers stop fetching, not only this shard's.
      await pauseQueues(deps.queues, decided.waitMs);
      throw stayPaused();
    case 'delay_job':
      deps.metrics.jobs.inc({ outcome: 'delayed' });
      deps.metrics.rateLimitedSeconds.inc({ scope: 'job' }, decided.waitMs / 1000);
      await deps.redis.multi().incr(delaysKey).expire(delaysKey, DELAY_COUNT_TTL_SECONDS).exec();
      deps.logger.info(
        { msgId: data.msgId, jobId, waitMs: decided.waitMs, err: failure.message },
        failure.retryNow ? 'its model provider is out of service; tried again at once on the next' : 'rate limited; this job waits',
      );
      await parkJob(job, Date.now() + decided.waitMs, token);
      throw stayParked(failure.message);
    case 'retry':
      deps.metrics.jobs.inc({ outcome: 'retry' });
      throw failure;
    case 'give_up':
      await giveUp(deps, jobId, data, failure);
      throw failForGood(failure.message);
  }
}

/**
 * The job's workers stalled on it too often (`poison-job.ts`): it is settled like any final failure, apology
 * included, without running its steps again. Counted apart, by who settled it: our processor when it took the
 * job (`worker`), or the `failed` event after BullMQ failed it at its own limit (`stall_limit`).
 */
export async function giveUpOnStalls(deps: SettleFailureDeps, jobId: string, data: MessageJob, stalls: number, by: PoisonSettler): Promise<void> {
  deps.metrics.poisonJobs.inc({ by });
  deps.metrics.failures.inc({ failure: 'stalled_too_often' });
  await giveUp(deps, jobId, data, new WorkerFailure('stalled_too_often', `its workers stalled ${stalls} times on it`));
}

/**
 * Settles a job BullMQ failed itself at its stall limit (`failedAtStallLimit`), which never reached our
 * processor: the apology (sent at most once, as its delivery is recorded) and, above all, the end of its turn, so
 * the conversation's next message does not wait for it.
 */
export async function settleAtStallLimit(deps: SettleFailureDeps, job: Job<MessageJob>): Promise<void> {
  const parsed = messageJobSchema.safeParse(job.data);
  if (!parsed.success) {
    deps.logger.error({ jobId: job.id }, 'a job failed at the stall limit holds no valid message: no apology, no turn to end');
    return;
  }
  const jobId = job.id ?? jobIdFor(parsed.data.orderKey, parsed.data.seq);
  await giveUpOnStalls(deps, jobId, parsed.data, job.stalledCounter, 'stall_limit');
}

/**
 * The failure is final: tell the user briefly (never the upstream's words), give back the question
 * its daily quota counted (an apology is not an answer), free the conversation for its next
 * message, and leave the job in the failed set for an operator.
 */
async function giveUp(deps: SettleFailureDeps, jobId: string, data: MessageJob, failure: BotError): Promise<void> {
  const code = failureCodeOf(failure);
  deps.metrics.jobs.inc({ outcome: 'failed' });
  deps.logger.error({ msgId: data.msgId, jobId, kind: failure.kind, failure: code, err: failure }, 'message failed for good');
  await deps.quotas.refund(jobId, data).catch((error: unknown) => deps.logger.warn({ jobId, err: error }, 'quota could not be given back'));
  if (FAILURES[code].reply === 'apology') await sendApology(deps, jobId, data);
  await endTurn(deps, data).catch((error: unknown) => deps.logger.error({ jobId, err: error }, 'turn could not be ended'));
}

async function sendApology(deps: SettleFailureDeps, jobId: string, data: MessageJob): Promise<void> {
  try {
    const delivery = await openDelivery(deps, jobId, data, { label: 'apology', gradual: false });
    await delivery.finish(apology(jobId));
  } catch (error) {
    deps.logger.error({ msgId: data.msgId, jobId, err: error }, 'apology could not be delivered');
  }
}
