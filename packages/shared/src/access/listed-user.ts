import type { MessageJob } from '../jobs/message-job.js';

/** Who sent a message, as a user list (`ADMIN_USERS`, `VIP_USERS`, `ACCESS_*_USERS`) names them. */
export type ListedSender = Pick<MessageJob, 'senderStaffId' | 'senderId'>;

/**
 * Whether a user list names the sender: by staff id (`senderStaffId`), or by DingTalk's sender id (`senderId`),
 * the only id a user of another organisation has here. One rule for every list, in both apps.
 */
export function isListedUser(list: ReadonlySet<string>, sender: ListedSender): boolean {
  return (sender.senderStaffId !== undefined && sender.senderStaffId !== '' && list.has(sender.senderStaffId)) || list.has(sender.senderId);
}
