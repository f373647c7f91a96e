import { ACCESS_DENIED } from './canned-replies.js';
import type { Refusal } from './reply.js';

/** One short reply instead of silence when a message may not be answered; nothing else is done. */
export function refusalReply(reply: Refusal): string {
  switch (reply.refusal) {
    case 'access_denied':
      return ACCESS_DENIED;
  }
}
