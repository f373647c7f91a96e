import { describe, expect, it } from 'vitest';
import { AccessPolicy, type AccessLists, type Asker } from './access-policy.js';

const none: AccessLists = { allowGroups: [], allowUsers: [], denyGroups: [], denyUsers: [], admins: [], vips: [] };
const policy = (lists: Partial<AccessLists>) => new AccessPolicy({ ...none, ...lists });
const inGroup = (senderStaffId: string | undefined, conversationId = 'cid-g1'): Asker => ({
  senderStaffId,
  senderId: `$:LWCP_v1:$${senderStaffId ?? 'external'}`,
  conversationId,
  conversationType: '2',
});
const privately = (senderStaffId: string | undefined): Asker => ({ ...inGroup(senderStaffId, 'cid-private'), conversationType: '1' });
/** A playground visitor who typed `senderStaffId` (and whose sender id, made by the gateway, they cannot choose). */
const fromPlayground = (asker: Asker): Asker => ({ ...asker, source: 'playground' });

describe('AccessPolicy', () => {
  it.each<[string, Partial<AccessLists>, Asker, ReturnType<AccessPolicy['decide']>]>([
    ['no lists: everyone, as a member', {}, inGroup('alice'), { allowed: true, role: 'member' }],
    ['no lists: an external user too', {}, privately(undefined), { allowed: true, role: 'member' }],
    ['a denied user', { denyUsers: ['alice'] }, privately('alice'), { allowed: false, reason: 'denied_user' }],
    ['a denied group', { denyGroups: ['cid-g1'] }, inGroup('alice'), { allowed: false, reason: 'denied_group' }],
    ['deny wins over admin', { denyUsers: ['boss'], admins: ['boss'] }, inGroup('boss'), { allowed: false, reason: 'denied_user' }],
    ['deny of a group wins over admin', { denyGroups: ['cid-g1'], admins: ['boss'] }, inGroup('boss'), { allowed: false, reason: 'denied_group' }],
    ['deny wins over allow', { denyUsers: ['alice'], allowUsers: ['alice'] }, inGroup('alice'), { allowed: false, reason: 'denied_user' }],
    ['an admin outside the allow lists', { allowUsers: ['alice'], allowGroups: ['cid-other'], admins: ['boss'] }, inGroup('boss'), { allowed: true, role: 'admin' }],
    ['an unlisted user', { allowUsers: ['alice'] }, privately('bob'), { allowed: false, reason: 'user_not_allowed' }],
    ['a listed user in any group', { allowUsers: ['alice'] }, inGroup('alice', 'cid-any'), { allowed: true, role: 'member' }],
    ['an unlisted group', { allowGroups: ['cid-other'] }, inGroup('alice'), { allowed: false, reason: 'group_not_allowed' }],
    ['a private chat when only groups are listed', { allowGroups: ['cid-other'] }, privately('alice'), { allowed: true, role: 'member' }],
    ['a listed user in an unlisted group', { allowUsers: ['alice'], allowGroups: ['cid-other'] }, inGroup('alice'), { allowed: false, reason: 'group_not_allowed' }],
    ['an external user when users are listed', { allowUsers: ['alice'] }, privately(undefined), { allowed: false, reason: 'user_not_allowed' }],
    ['an external user listed by sender id', { allowUsers: ['$:LWCP_v1:$external'] }, privately(undefined), { allowed: true, role: 'member' }],
    ['a VIP', { vips: ['carol'] }, inGroup('carol'), { allowed: true, role: 'vip' }],
    ['a VIP who is also an admin is an admin', { vips: ['boss'], admins: ['boss'] }, inGroup('boss'), { allowed: true, role: 'admin' }],
    ['a playground visitor typing an admin\'s staff id: a member', { admins: ['boss'] }, fromPlayground(inGroup('boss')), { allowed: true, role: 'member' }],
    ['a playground visitor typing a VIP\'s staff id: a member', { vips: ['carol'] }, fromPlayground(privately('carol')), { allowed: true, role: 'member' }],
    ['a playground visitor typing an allowed staff id: not allowed', { allowUsers: ['alice'] }, fromPlayground(privately('alice')), { allowed: false, reason: 'user_not_allowed' }],
    ['a playground visitor typing an admin\'s id under an allow list: not allowed', { allowUsers: ['alice'], admins: ['boss'] }, fromPlayground(privately('boss')), { allowed: false, reason: 'user_not_allowed' }],
    ['a playground visitor typing a denied staff id: not matched by it', { denyUsers: ['bob'] }, fromPlayground(privately('bob')), { allowed: true, role: 'member' }],
    ['a DingTalk message (source dingtalk) from an admin: an admin', { admins: ['boss'] }, { ...inGroup('boss'), source: 'dingtalk' }, { allowed: true, role: 'admin' }],
  ])('%s', (_, lists, asker, decision) => {
    expect(policy(lists).decide(asker)).toEqual(decision);
  });
});
