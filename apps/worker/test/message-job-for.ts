import {
  callbackSchema,
  conversationKeyFor,
  extractFile,
  extractPictures,
  extractPrompt,
  extractQuote,
  messageJobSchema,
  orderKeyFor,
  type MemoryScope,
  type MessageJob,
} from '@dtbot/shared';
import { DEFAULT_ROBOT_CODE, type DingTalkCallbackPayload } from '@dtbot/testkit';

/**
 * The job stored for a callback, built from the shared job contract: validated as the gateway
 * validates it, keyed by its thread and conversation, number `seq` in its thread.
 */
export function messageJobFor(callback: DingTalkCallbackPayload, seq = 1, memoryScope: MemoryScope = 'user'): MessageJob {
  const message = callbackSchema.parse(callback);
  const robotCode = message.robotCode ?? DEFAULT_ROBOT_CODE;
  return messageJobSchema.parse({
    ...message,
    robotCode,
    prompt: extractPrompt(message),
    pictures: extractPictures(message).length > 0 ? extractPictures(message) : undefined,
    quote: extractQuote(message),
    file: extractFile(message),
    receivedAt: Date.now(),
    orderKey: orderKeyFor({ ...message, robotCode }, memoryScope),
    seq,
    conversationKey: conversationKeyFor({ ...message, robotCode }),
  });
}
