import { hash } from 'node:crypto';
import { z } from 'zod';
import { laneSchema } from '../lanes/lane.js';
import { messageSourceSchema } from './message-source.js';

/** The one queue every gateway writes to and every worker reads from. */
export const MESSAGE_JOB_NAME = 'message';

/**
 * The BullMQ queue every gateway writes to and every worker reads from (one per shard, each under its shard's
 * prefix). A name in code, not a setting: processes that disagreed on it would store messages no worker reads, and
 * REDIS_PREFIX already keeps deployments that share a Redis apart.
 */
export const MESSAGE_QUEUE_NAME = 'messages';

/**
 * The BullMQ queue of scheduled prompts' ticks, under the configured prefix whatever the queue shards: each tick
 * becomes a message of its chat in that chat's shard.
 */
export const SCHEDULE_QUEUE_NAME = 'schedules';

/** The name of a tick's job. */
export const SCHEDULE_TICK_JOB_NAME = 'tick';

export { messageSourceSchema, type MessageSource } from './message-source.js';

/**
 * What the gateway stores for each accepted robot message. The worker trusts nothing else:
 * the gateway verified the signature and the webhook origin before building this.
 */
export const messageJobSchema = z.object({
  /** DingTalk's message id; with `robotCode` it is the idempotency key. */
  msgId: z.string().min(1),
  robotCode: z.string(),
  msgtype: z.string().min(1),
  /** What the user asked: trimmed text, a voice message's recognition, or '' for kinds we cannot read. */
  prompt: z.string(),
  /**
   * Download codes of the pictures the message carries (a picture, or pictures inside rich text), in
   * order. Absent when there are none, and in jobs stored by a version that did not read pictures.
   */
  pictures: z.array(z.string().min(1)).optional(),
  /** The text of the message this one quotes (a reply-to), as context for the question; absent when none. */
  quote: z.string().optional(),
  /**
   * The file the message carries (a `file` message) or quotes (a reply to one), for the worker to download and
   * read; `quoted` says which. Absent when none, and in jobs stored by a version that did not read files.
   */
  file: z
    .object({ downloadCode: z.string().min(1), fileName: z.string(), quoted: z.boolean().optional() })
    .optional(),
  conversationId: z.string().min(1),
  conversationType: z.enum(['1', '2']),
  conversationTitle: z.string().optional(),
  senderId: z.string().min(1),
  senderNick: z.string(),
  senderStaffId: z.string().optional(),
  sessionWebhook: z.string().url(),
  sessionWebhookExpiredTime: z.number().int(),
  createAt: z.number().int(),
  /** When the gateway stored the message (ms); pipeline latency is measured from here. */
  receivedAt: z.number().int(),
  /** Messages with the same key share memory and are answered one at a time, in `seq` order. */
  orderKey: z.string().min(1),
  seq: z.number().int().positive(),
  /** The conversation (group or private chat) this message adds load to. */
  conversationKey: z.string().min(1),
  /**
   * Set by the gateway from the robot the transport verified, never from the payload; absent
   * means DingTalk. Only a `playground` job may be answered through the gateway's playground.
   */
  source: messageSourceSchema.optional(),
  /** The lane the gateway put the message in (`LanePolicy`); absent in jobs stored before there were lanes: normal. */
  lane: laneSchema.optional(),
  /** The scheduled prompt this message is a tick (or a run) of; absent for a message a person sent. */
  schedule: z.string().min(1).optional(),
  /** The persona a scheduled prompt asks as, over the thread's chosen one; absent = the thread's. */
  persona: z.string().min(1).optional(),
});

export type MessageJob = z.infer<typeof messageJobSchema>;

/**
 * A short, Redis- and BullMQ-safe digest (BullMQ refuses job ids containing ':'). Node's one-shot
 * `hash` is used because it runs on every callback, three times.
 */
export function digest(value: string): string {
  return hash('sha256', value, 'base64url').slice(0, 22);
}

/** The deduplication id: `robotCode + msgId`, never the transport's own message id. */
export function dedupeIdFor(robotCode: string, msgId: string): string {
  return `d.${digest(`${robotCode}\n${msgId}`)}`;
}
