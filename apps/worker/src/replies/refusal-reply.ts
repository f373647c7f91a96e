import { ACCESS_DENIED, ADMINS_ONLY, budgetReached, quotaExceeded, SENSITIVE_QUESTION } from './canned-replies.js';
import type { Refusal } from './reply.js';

/** One short reply instead of silence when a message may not be answered; nothing else is done. */
export function refusalReply(reply: Refusal, timeZone: string): string {
  switch (reply.refusal) {
    case 'access_denied':
      return ACCESS_DENIED;
    case 'admins_only':
      return ADMINS_ONLY;
    case 'sensitive_question':
      return SENSITIVE_QUESTION;
    case 'quota_exceeded':
      return quotaExceeded(reply.scope, reply.limit, reply.msToReset, timeZone);
    case 'budget_reached':
      return budgetReached(reply.msToReset, timeZone);
  }
}
