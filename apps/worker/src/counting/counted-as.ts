import { CONVERSATION_GROUP, type MessageJob } from '@dtbot/shared';

/** The fields of a message that say whom it is counted for (quotas, usage). */
export type CountedAsker = Pick<
  MessageJob,
  'robotCode' | 'senderStaffId' | 'senderId' | 'senderNick' | 'conversationId' | 'conversationType' | 'conversationTitle'
>;

export interface CountedAs {
  /** The user's staff id; their sender id when they have none (a user of another organisation). */
  user: string;
  /** The group's conversation id; `''` in a private chat, which counts for no group. */
  group: string;
  /** Display names as last seen, for an admin's report; the id when the message had none. */
  userName: string;
  groupName: string;
}

/** Whom a message is counted for: a user, and the group it was asked in. */
export function countedAs(asker: CountedAsker): CountedAs {
  const user = asker.senderStaffId || asker.senderId;
  const group = asker.conversationType === CONVERSATION_GROUP ? asker.conversationId : '';
  return { user, group, userName: asker.senderNick || user, groupName: asker.conversationTitle || group };
}
