import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callbackSchema, extractPrompt, PLAYGROUND_ROBOT_CODE } from '@dtbot/shared';
import { buildPlaygroundMessage } from './build-playground-message.js';
import { playgroundQuestionSchema } from './playground-question.js';

const context = { sessionId: 'S'.repeat(22), msgId: 'playground.m1', now: 1_700_000_000_000 };
const alice = { staffId: 'alice', nick: 'Alice' };

describe('buildPlaygroundMessage', () => {
  it('builds a group message as DingTalk posts it: the robot @-mentioned, a leading space where the mention was', () => {
    const message = buildPlaygroundMessage({ user: alice, chat: { type: 'group', title: '产品群' }, text: 'hello' }, context);
    expect(callbackSchema.parse(message)).toMatchObject({ conversationType: '2', conversationTitle: '产品群', robotCode: PLAYGROUND_ROBOT_CODE, isInAtList: true });
    expect(message.text).toEqual({ content: ' hello' });
    expect(extractPrompt(callbackSchema.parse(message))).toBe('hello');
    expect(message.atUsers).toEqual([{ dingtalkId: message.chatbotUserId }]);
    expect(message.sessionWebhook).toMatch(/^https:\/\/playground\.invalid\/playground\/webhook\/g\.[\w-]{22}\?session=S{22}$/);
    expect(message.sessionWebhookExpiredTime).toBe(context.now + 90 * 60_000);
  });

  it('builds a private message without a title or mention, its conversation per user', () => {
    const message = buildPlaygroundMessage({ user: alice, chat: { type: 'private' }, text: 'hi' }, context);
    expect(message).toMatchObject({ conversationType: '1', text: { content: 'hi' }, senderStaffId: 'alice', senderNick: 'Alice' });
    expect(message).not.toHaveProperty('conversationTitle');
    expect(message).not.toHaveProperty('atUsers');
    expect(message.sessionWebhook).toContain('/webhook/p.alice?session=');
    const bob = buildPlaygroundMessage({ user: { staffId: 'bob', nick: 'Bob' }, chat: { type: 'private' }, text: 'hi' }, context);
    expect(bob.conversationId).not.toBe(message.conversationId);
  });

  it('keeps every id in the playground\'s namespace, apart per session', () => {
    const question = { user: alice, chat: { type: 'group' as const, title: 'team' }, text: 'x' };
    const one = buildPlaygroundMessage(question, context);
    const other = buildPlaygroundMessage(question, { ...context, sessionId: 'T'.repeat(22) });
    expect(one.conversationId).toMatch(/^playground\./);
    expect(one.senderId).toMatch(/^\$:LWCP_v1:\$playground\./);
    expect(other.conversationId).not.toBe(one.conversationId);
    expect(other.senderId).not.toBe(one.senderId);
  });
});

describe('buildPlaygroundMessage on hostile text', () => {
  it('any question the page may post arrives as DingTalk would post it, its text read back whole, within a second', () => {
    const posted = fc.record({
      user: fc.record({ staffId: fc.constantFrom('alice', 'b.o-b_1'), nick: hostileText({ maxLength: 40 }) }),
      chat: fc.oneof(fc.constant({ type: 'private' }), fc.record({ type: fc.constant('group'), title: hostileText({ maxLength: 40 }) })),
      text: hostileText({ maxLength: 2100 }),
    });
    fc.assert(
      fc.property(posted, (body) => {
        const question = playgroundQuestionSchema.safeParse(body);
        if (!question.success) return;
        const { value: message, ms } = timed(() => buildPlaygroundMessage(question.data, context));
        expect(ms).toBeLessThan(1000);
        expect(extractPrompt(callbackSchema.parse(message))).toBe(question.data.text);
      }),
      { numRuns: 150 },
    );
  });
});
