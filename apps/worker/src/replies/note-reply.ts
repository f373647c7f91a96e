import { EMPTY_QUESTION, unsupportedKind } from './canned-replies.js';
import type { Reply } from './reply.js';

/** A short note instead of silence when a message cannot be answered as asked. */
export function noteReply(reply: Extract<Reply, { kind: 'note' }>): string {
  switch (reply.note) {
    case 'empty_question':
      return EMPTY_QUESTION;
    case 'unreadable_kind':
      return unsupportedKind(reply.msgtype);
  }
}
