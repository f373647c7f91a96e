import type { Queue } from 'bullmq';
import {
  dedupeIdFor,
  extractPrompt,
  jobIdFor,
  MESSAGE_JOB_NAME,
  orderKeyFor,
  type DingTalkCallback,
  type MemoryScope,
  type MessageJob,
  type Turns,
} from '@dtbot/shared';
import { callbackError } from './callback/callback-errors.js';

export interface EnqueueDeps {
  queue: Queue<MessageJob>;
  turns: Turns;
  memoryScope: MemoryScope;
  dedupeTtlMs: number;
  /** A callback waits at most this long for Redis before it is refused with 503. */
  timeoutMs: number;
  /** robotCode to use when the payload has none (single-robot deployments). */
  defaultRobotCode: string;
  /** While Redis is disconnected a callback is refused at once rather than after the timeout. */
  isConnected: () => boolean;
}

export type EnqueueResult = { stored: 'new' | 'duplicate'; jobId: string };

/**
 * Stores a verified message as a job. The job and its dedupe mark are written by one BullMQ add
 * script (`deduplication` option), so a mark never exists without its job, even when Redis runs a
 * timed-out add late: the redelivery then finds the job and is acknowledged without a second one.
 */
export async function enqueueMessage(deps: EnqueueDeps, message: DingTalkCallback): Promise<EnqueueResult> {
  if (!deps.isConnected()) throw callbackError('queue_unavailable', 'Redis is not connected');
  const robotCode = message.robotCode ?? deps.defaultRobotCode;
  const orderKey = orderKeyFor({ ...message, robotCode }, deps.memoryScope);
  return withTimeout(deps.timeoutMs, async () => {
    const seq = await deps.turns.next(orderKey);
    const jobId = jobIdFor(orderKey, seq);
    const data: MessageJob = {
      msgId: message.msgId,
      robotCode,
      msgtype: message.msgtype,
      prompt: extractPrompt(message),
      conversationId: message.conversationId,
      conversationType: message.conversationType,
      conversationTitle: message.conversationTitle,
      senderId: message.senderId,
      senderNick: message.senderNick,
      senderStaffId: message.senderStaffId || undefined,
      sessionWebhook: message.sessionWebhook,
      sessionWebhookExpiredTime: message.sessionWebhookExpiredTime,
      createAt: message.createAt,
      receivedAt: Date.now(),
      orderKey,
      seq,
    };
    const job = await deps.queue.add(MESSAGE_JOB_NAME, data, {
      jobId,
      deduplication: { id: dedupeIdFor(robotCode, message.msgId), ttl: deps.dedupeTtlMs },
    });
    if (job.id === jobId) return { stored: 'new', jobId };
    // A redelivery: its number will never have a job, so the conversation must not wait for it.
    // If this fails, the worker skips the gap itself after a grace period.
    await deps.turns.skip(orderKey, seq).catch(() => undefined);
    return { stored: 'duplicate', jobId: job.id ?? jobId };
  });
}

async function withTimeout<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(callbackError('queue_unavailable', `no answer from Redis within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    if (error instanceof Error && error.name === 'HttpError') throw error;
    throw callbackError('queue_unavailable', undefined, error);
  } finally {
    clearTimeout(timer);
  }
}
