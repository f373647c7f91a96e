import { conversationKeyFor, dedupeIdFor, orderKeyFor, type UnnumberedJob } from '@dtbot/shared';
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
export const RUN_DEDUPE_TTL_MS = 86_400_000;

/** A playground run's webhook is usable this long from its storing, as a DingTalk message's is. */
const PLAYGROUND_WEBHOOK_LIFETIME_MS = 3_600_000;

export type ScheduledMessageDeps = Pick<WorkerDeps, 'messageStore' | 'robotOptions'>;

/**
 * Stores one run of a scheduled prompt as a message of its chat, numbered in its memory thread like any message, so
 * it goes through every step a message goes through. `runKey` names the run (a tick's due time, or the job of a
 * "run now"): a run stored again (a tick taken over after a crash) finds its job by the dedupe mark and stores
 * nothing, and takes no number, so the thread does not wait for it (`MessageStore`, as the gateway stores a message).
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
  const job: UnnumberedJob = {
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
    conversationKey,
    lane: 'normal',
    schedule: schedule.id,
    ...(schedule.persona !== undefined ? { persona: schedule.persona } : {}),
  };
  const stored = await deps.messageStore.store({ job, lane: 'normal', orderKey, conversationKey, dedupeId: dedupeIdFor(schedule.robotCode, msgId) });
  return { stored: stored.stored, jobId: stored.jobId };
}
