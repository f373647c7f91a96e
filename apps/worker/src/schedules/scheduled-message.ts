import { jobIdFor, MESSAGE_JOB_ATTEMPTS, messageJobOptions } from '@dtbot/queue';
import { conversationKeyFor, dedupeIdFor, jobPriorityFor, MESSAGE_JOB_NAME, orderKeyFor, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import type { ScheduleDefinition } from './schedule-definition.js';

/**
 * A scheduled prompt has no session webhook: its answer goes through the OpenAPI. The job contract wants an address,
 * so it gets one under `.invalid` (a name that never resolves) already expired, which no route ever posts to.
 */
export const NO_SESSION_WEBHOOK = 'https://scheduled-prompt.invalid/';

/**
 * How long a run's mark is kept: a taken-over tick stores nothing twice. A tick is taken over within a minute; a day
 * is the same as the gateway keeps a message's.
 */
const RUN_DEDUPE_TTL_MS = 86_400_000;

/** A playground run's webhook is usable this long from its storing, as a DingTalk message's is. */
const PLAYGROUND_WEBHOOK_LIFETIME_MS = 3_600_000;

export type ScheduledMessageDeps = Pick<WorkerDeps, 'turns' | 'queue' | 'robotOptions'>;

/**
 * Stores one run of a scheduled prompt as a message of its chat, numbered in its memory thread like any message, so
 * it goes through every step a message goes through. `runKey` names the run (a tick's due time, or the job of a
 * "run now"): a run stored again (a tick taken over after a crash) finds its job by the dedupe mark and stores
 * nothing, and its number is skipped so the thread does not wait for it.
 */
export async function storeScheduledMessage(
  deps: ScheduledMessageDeps,
  schedule: ScheduleDefinition,
  runKey: string,
  now = Date.now(),
): Promise<{ stored: 'new' | 'duplicate'; jobId: string }> {
  const message = {
    robotCode: schedule.robotCode,
    conversationId: schedule.conversationId,
    senderId: schedule.senderId,
    senderStaffId: schedule.senderStaffId,
  };
  const orderKey = orderKeyFor(message, deps.robotOptions(schedule.robotCode).memoryScope);
  const conversationKey = conversationKeyFor(message);
  const msgId = `schedule.${schedule.id}.${runKey}`;
  const [turn] = await deps.turns.nextMany([{ orderKey, conversationKey }]);
  const seq = turn!.seq;
  const jobId = jobIdFor(orderKey, seq);
  const data: MessageJob = {
    msgId,
    robotCode: schedule.robotCode,
    msgtype: 'text',
    prompt: schedule.prompt,
    conversationId: schedule.conversationId,
    conversationType: schedule.group ? '2' : '1',
    ...(schedule.conversationTitle !== undefined ? { conversationTitle: schedule.conversationTitle } : {}),
    senderId: schedule.senderId,
    senderNick: schedule.senderNick,
    senderStaffId: schedule.senderStaffId,
    // A playground session's run goes back to its own webhook (the playground route checks it is one); a DingTalk
    // chat's has none and goes through the OpenAPI.
    sessionWebhook: schedule.playground?.sessionWebhook ?? NO_SESSION_WEBHOOK,
    sessionWebhookExpiredTime: schedule.playground ? now + PLAYGROUND_WEBHOOK_LIFETIME_MS : 0,
    ...(schedule.playground ? { source: 'playground' as const } : {}),
    createAt: now,
    receivedAt: now,
    orderKey,
    seq,
    conversationKey,
    lane: 'normal',
    schedule: schedule.id,
    ...(schedule.persona !== undefined ? { persona: schedule.persona } : {}),
  };
  const priority = jobPriorityFor('normal', turn!.load);
  const job = await deps.queue.add(MESSAGE_JOB_NAME, data, {
    // As the gateway stores a message: the worker's queues have no defaults of their own.
    ...messageJobOptions(MESSAGE_JOB_ATTEMPTS),
    jobId,
    ...(priority !== undefined ? { priority } : {}),
    deduplication: { id: dedupeIdFor(schedule.robotCode, msgId), ttl: RUN_DEDUPE_TTL_MS },
  });
  if (job.id === jobId) return { stored: 'new', jobId };
  await deps.turns.skip({ orderKey, conversationKey, seq });
  return { stored: 'duplicate', jobId: job.id ?? jobId };
}
