import type { DingTalkCallback } from '../dingtalk/callback-schema.js';
import { digest } from './message-job.js';

export type MemoryScope = 'user' | 'group' | 'none';

/**
 * Which messages share memory and so must be answered one after another.
 * `user`: each sender within a conversation (a private chat is one user anyway).
 * `group`: everyone in the conversation. `none`: no memory, but one sender's questions still
 * get their answers in the order asked.
 */
export function orderKeyFor(
  message: Pick<DingTalkCallback, 'robotCode' | 'conversationId' | 'senderId' | 'senderStaffId'>,
  scope: MemoryScope,
): string {
  const conversation = `${message.robotCode ?? ''}\n${message.conversationId}`;
  if (scope === 'group') return `o.${digest(conversation)}`;
  return `o.${digest(`${conversation}\n${message.senderStaffId || message.senderId}`)}`;
}

/** One key per conversation (a group, or a private chat), whatever the memory scope. */
export function conversationKeyFor(message: Pick<DingTalkCallback, 'robotCode' | 'conversationId'>): string {
  return `c.${digest(`${message.robotCode ?? ''}\n${message.conversationId}`)}`;
}
