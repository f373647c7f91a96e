import { UnrecoverableError, type Job } from 'bullmq';
import { BotError, jobIdFor, messageJobSchema, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import { classifyError } from './classify-error.js';
import { takeTurn } from './steps/take-turn.js';
import { endTurn } from './steps/end-turn.js';
import { recognizeCommand } from './steps/recognize-command.js';
import { apology, EMPTY_QUESTION, helpText, RESET_DONE, unsupportedKind } from './steps/canned-replies.js';
import { callModel } from './steps/call-model.js';
import { deliverAnswer } from './steps/deliver-answer.js';

/** The job was rate limited: BullMQ should put it back without spending an attempt. */
export class RateLimited extends Error {
  override readonly name = 'RateLimited';
  constructor(readonly waitMs: number) {
    super(`rate limited for ${waitMs} ms`);
  }
}

/**
 * One message, in order: wait for the conversation's turn, answer (command, note or model),
 * deliver, remember, end the turn. Every step is safe to run again when the job is retried.
 */
export async function processMessage(deps: WorkerDeps, job: Job<MessageJob>, token: string | undefined): Promise<void> {
  const parsed = messageJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError('job data does not match the message contract');
  const data = parsed.data;
  const jobId = job.id ?? jobIdFor(data.orderKey, data.seq);

  await takeTurn(deps, job, jobId, data, token);
  try {
    await answer(deps, jobId, data);
  } catch (error) {
    const failure = classifyError(error);
    if (failure.kind === 'rate_limited') throw new RateLimited(failure.retryAfterMs ?? 1000);
    const attempts = job.opts.attempts ?? 1;
    if (failure.kind === 'retryable' && job.attemptsMade + 1 < attempts) {
      deps.metrics.jobs.inc({ outcome: 'retry' });
      throw failure;
    }
    await giveUp(deps, jobId, data, failure);
    throw new UnrecoverableError(failure.message);
  }
  await endTurn(deps, data);
}

async function answer(deps: WorkerDeps, jobId: string, data: MessageJob): Promise<void> {
  const command = recognizeCommand(data.prompt, deps.settings);
  if (command === 'reset') {
    await deps.memory.clear(data.orderKey);
    await deliverAnswer(deps, jobId, data, RESET_DONE);
    deps.metrics.jobs.inc({ outcome: 'command' });
    return;
  }
  if (command === 'help' || (data.prompt === '' && ['text', 'richText', 'audio'].includes(data.msgtype))) {
    await deliverAnswer(deps, jobId, data, command === 'help' ? helpText(deps.settings) : EMPTY_QUESTION);
    deps.metrics.jobs.inc({ outcome: 'command' });
    return;
  }
  if (data.prompt === '') {
    await deliverAnswer(deps, jobId, data, unsupportedKind(data.msgtype));
    deps.metrics.jobs.inc({ outcome: 'command' });
    return;
  }

  const remembers = deps.settings.memoryScope !== 'none';
  const history = remembers ? await deps.memory.load(data.orderKey) : [];
  const text = await callModel(deps, jobId, data, history);
  await deliverAnswer(deps, jobId, data, text);
  if (remembers) await deps.memory.append(data.orderKey, jobId, data.prompt, text);
  deps.metrics.jobs.inc({ outcome: 'answered' });
  deps.metrics.answerSeconds.observe((Date.now() - data.receivedAt) / 1000);
  deps.logger.info({ msgId: data.msgId, jobId, latencyMs: Date.now() - data.receivedAt }, 'answered');
}

/**
 * The failure is final: tell the user briefly (never the upstream's words), free the conversation
 * for its next message, and leave the job in the failed set for an operator.
 */
async function giveUp(deps: WorkerDeps, jobId: string, data: MessageJob, failure: BotError): Promise<void> {
  deps.metrics.jobs.inc({ outcome: 'failed' });
  deps.logger.error({ msgId: data.msgId, jobId, kind: failure.kind, err: failure }, 'message failed for good');
  try {
    await deliverAnswer(deps, jobId, data, apology(jobId), 'apology');
  } catch (error) {
    deps.logger.error({ msgId: data.msgId, jobId, err: error }, 'apology could not be delivered');
  }
  await endTurn(deps, data).catch((error: unknown) => deps.logger.error({ jobId, err: error }, 'turn could not be ended'));
}
