import type { CountedAsker } from '../src/counting/counted-as.js';

/** A user of a robot, in a group or (without one) in their private chat, as quotas and usage count them. */
export const countedAskerFor =
  (robotCode: string) =>
  (user: string, group?: string): CountedAsker => ({
    robotCode,
    senderStaffId: user,
    senderId: `$:LWCP_v1:$${user}`,
    senderNick: `nick-${user}`,
    conversationId: group ?? `cid-private-${user}`,
    conversationType: group ? '2' : '1',
    conversationTitle: group ? `title-${group}` : undefined,
  });
