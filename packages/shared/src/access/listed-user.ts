import type { MessageSource } from '../jobs/message-source.js';

/**
 * Who sent a message, as a user list (`ADMIN_USERS`, `VIP_USERS`, `ACCESS_*_USERS`) names them, and where the
 * message came from. Its own fields, not a pick of the message job: the job's lane is decided from this, so this
 * cannot depend on the job.
 */
export interface ListedSender {
  /** The sender's staff id in the robot's organisation; absent for a user of another organisation. */
  senderStaffId?: string | undefined;
  /** DingTalk's sender id, which every sender has. */
  senderId: string;
  /** The job's `source`, set by the gateway from the robot it verified; absent means DingTalk. */
  source?: MessageSource | undefined;
}

/**
 * Whether the sender's ids were vouched for by whoever carried the message. DingTalk names the sender of the
 * messages it delivers; a playground visitor types any staff id they like, so their ids prove nothing and
 * match no user list. The one place that decides it, for the access lists, roles, lanes and quotas.
 */
export function vouchesForSender(source: MessageSource | undefined): boolean {
  return source !== 'playground';
}

/**
 * Whether a user list names the sender: by staff id (`senderStaffId`), or by DingTalk's sender id (`senderId`),
 * the only id a user of another organisation has here. One rule for every list, in both apps. A sender whose ids
 * nobody vouched for (`vouchesForSender`) is on no list.
 */
export function isListedUser(list: ReadonlySet<string>, sender: ListedSender): boolean {
  if (!vouchesForSender(sender.source)) return false;
  return (sender.senderStaffId !== undefined && sender.senderStaffId !== '' && list.has(sender.senderStaffId)) || list.has(sender.senderId);
}
