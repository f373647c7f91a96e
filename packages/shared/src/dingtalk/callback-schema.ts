import { z } from 'zod';

/**
 * `text` of a text message. A reply-to message also carries `isReplyMsg` and `repliedMsg` (the quoted
 * message, in shapes DingTalk does not document: `extractQuote` reads them).
 */
const textContent = z.object({
  content: z.string(),
  isReplyMsg: z.boolean().optional(),
  repliedMsg: z.unknown().optional(),
});

/**
 * The robot message DingTalk posts (HTTP mode) or pushes (Stream mode); docs/dingtalk-protocol.md.
 * Unknown keys are kept out of the parsed value but never make a message invalid.
 */
export const callbackSchema = z.object({
  msgtype: z.string().min(1),
  msgId: z.string().min(1).max(256),
  createAt: z.coerce.number().int().nonnegative(),
  conversationType: z.enum(['1', '2']),
  conversationId: z.string().min(1).max(256),
  conversationTitle: z.string().optional(),
  senderId: z.string().min(1).max(256),
  senderNick: z.string().max(256).default(''),
  senderCorpId: z.string().optional(),
  senderStaffId: z.string().max(256).optional(),
  chatbotUserId: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  robotCode: z.string().max(256).optional(),
  isAdmin: z.boolean().optional(),
  isInAtList: z.boolean().optional(),
  sessionWebhook: z.url(),
  sessionWebhookExpiredTime: z.coerce.number().int().nonnegative(),
  text: textContent.optional(),
  content: z.record(z.string(), z.unknown()).optional(),
  /** The quoted message in older payloads. */
  quoteMessage: z.unknown().optional(),
});

export type DingTalkCallback = z.infer<typeof callbackSchema>;

export const CONVERSATION_PRIVATE = '1';
export const CONVERSATION_GROUP = '2';
