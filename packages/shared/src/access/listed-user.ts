/**
 * Who sent a message, as a user list (`ADMIN_USERS`, `VIP_USERS`, `ACCESS_*_USERS`) names them. Its own two fields,
 * not a pick of the message job: the job's lane is decided from this, so this cannot depend on the job.
 */
export interface ListedSender {
  /** The sender's staff id in the robot's organisation; absent for a user of another organisation. */
  senderStaffId?: string | undefined;
  /** DingTalk's sender id, which every sender has. */
  senderId: string;
}

/**
 * Whether a user list names the sender: by staff id (`senderStaffId`), or by DingTalk's sender id (`senderId`),
 * the only id a user of another organisation has here. One rule for every list, in both apps.
 */
export function isListedUser(list: ReadonlySet<string>, sender: ListedSender): boolean {
  return (sender.senderStaffId !== undefined && sender.senderStaffId !== '' && list.has(sender.senderStaffId)) || list.has(sender.senderId);
}
