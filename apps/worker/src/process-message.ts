import { UnrecoverableError, type Job } from 'bullmq';
import { jobIdFor, messageJobSchema, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import { settleFailure } from './settle-failure.js';
import { takeTurn } from './steps/take-turn.js';
import { endTurn } from './steps/end-turn.js';
import { recognizeCommand } from './steps/recognize-command.js';
import { EMPTY_QUESTION, helpText, RESET_DONE, unsupportedKind } from './steps/canned-replies.js';
import { callModel } from './steps/call-model.js';
import { deliverAnswer } from './steps/deliver-answer.js';

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
    await settleFailure(deps, job, token, jobId, data, error);
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
