import { CONVERSATION_GROUP, isListedUser, type MessageJob } from '@dtbot/shared';

/** The lists of `ACCESS_*`, `ADMIN_USERS` and `VIP_USERS`, each entry a staff id, a sender id or a group's conversationId. */
export interface AccessLists {
  allowGroups: readonly string[];
  allowUsers: readonly string[];
  denyGroups: readonly string[];
  denyUsers: readonly string[];
  admins: readonly string[];
  vips: readonly string[];
}

/** Who asks: admins run admin commands; admins and VIPs are exempt from the daily quotas. */
export type Role = 'admin' | 'vip' | 'member';

export type AccessDecision =
  | { allowed: true; role: Role }
  | { allowed: false; reason: 'denied_user' | 'denied_group' | 'user_not_allowed' | 'group_not_allowed' };

export type Asker = Pick<MessageJob, 'senderStaffId' | 'senderId' | 'conversationId' | 'conversationType' | 'source'>;

/**
 * Who may use the robot, decided from the message alone (no Redis). The rules, in order:
 * 1. Deny wins: a user on `ACCESS_DENY_USERS`, or any message in a group on `ACCESS_DENY_GROUPS`, is
 *    refused, admins included (an admin who must not use a group's robot is taken off there too).
 * 2. Admins (`ADMIN_USERS`) are allowed everywhere else, whatever the allow lists say.
 * 3. Each allow list restricts its own dimension, and an empty one restricts nothing:
 *    `ACCESS_ALLOW_USERS` set → only those users, in groups and private chats; `ACCESS_ALLOW_GROUPS`
 *    set → group messages only from those groups. A private chat belongs to no group, so only the
 *    user lists apply to it.
 * A user is matched by staff id (`senderStaffId`) or by DingTalk's sender id (`senderId`): users from
 * another organisation have no staff id in our organisation, so they can be listed only by the
 * sender id the worker logs when it refuses them.
 * A playground message's ids are typed by the visitor (`vouchesForSender`), so they match no user list:
 * the visitor is never an admin or a VIP, fails `ACCESS_ALLOW_USERS` when it is set (the playground is
 * then closed to them) and escapes `ACCESS_DENY_USERS` (a deny list cannot keep out someone who types
 * another id anyway; `PLAYGROUND=false` closes the playground). Group lists still apply: a playground
 * group's conversationId is made by the gateway, in the playground's own namespace.
 */
export class AccessPolicy {
  private readonly sets: { [K in keyof AccessLists]: ReadonlySet<string> };

  constructor(lists: AccessLists) {
    this.sets = {
      allowGroups: new Set(lists.allowGroups),
      allowUsers: new Set(lists.allowUsers),
      denyGroups: new Set(lists.denyGroups),
      denyUsers: new Set(lists.denyUsers),
      admins: new Set(lists.admins),
      vips: new Set(lists.vips),
    };
  }

  decide(asker: Asker): AccessDecision {
    const { sets } = this;
    const isUser = (list: ReadonlySet<string>) => isListedUser(list, asker);
    const inGroup = asker.conversationType === CONVERSATION_GROUP;
    if (isUser(sets.denyUsers)) return { allowed: false, reason: 'denied_user' };
    if (inGroup && sets.denyGroups.has(asker.conversationId)) return { allowed: false, reason: 'denied_group' };
    if (isUser(sets.admins)) return { allowed: true, role: 'admin' };
    if (sets.allowUsers.size > 0 && !isUser(sets.allowUsers)) return { allowed: false, reason: 'user_not_allowed' };
    if (inGroup && sets.allowGroups.size > 0 && !sets.allowGroups.has(asker.conversationId)) {
      return { allowed: false, reason: 'group_not_allowed' };
    }
    return { allowed: true, role: isUser(sets.vips) ? 'vip' : 'member' };
  }
}
