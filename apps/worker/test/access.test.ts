import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingTalkCallbackPayload } from '@dtbot/testkit';
import { ACCESS_DENIED } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Access lists through the real worker: real Redis, fake model, fake DingTalk.
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({
    label: 'access',
    env: {
      // chatgpt-dingtalk's names for two of the lists, ours for the rest.
      ALLOW_GROUPS: 'cid-team',
      ALLOW_USERS: 'alice,bob,boss,$:LWCP_v1:$guest',
      ACCESS_DENY_USERS: 'bob',
      ACCESS_DENY_GROUPS: 'cid-banned',
      ADMIN_USERS: 'boss,root',
    },
  });
});

afterAll(async () => {
  await harness?.close();
});

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
/** Sends a message, waits until it is settled, and returns what DingTalk got in reply and whether the model was asked. */
async function ask(message: DingTalkCallbackPayload): Promise<{ replies: string[]; modelAsked: boolean }> {
  const before = harness.openai.requests.length;
  expect(await (await harness.send(message)).settled).toBe('completed');
  const replies = harness.dingtalk.delivered().filter((m) => m.target === sessionOf(message.sessionWebhook)).map((m) => m.text);
  return { replies, modelAsked: harness.openai.requests.length > before };
}
const refused = { replies: [ACCESS_DENIED], modelAsked: false };

describe('access lists', () => {
  it('answers a listed user in a listed group and in a private chat', async () => {
    expect(await ask(harness.groupMessage({ text: 'team question', senderStaffId: 'alice', conversationId: 'cid-team' }))).toMatchObject({ modelAsked: true });
    expect(await ask(harness.message({ text: 'private question', senderStaffId: 'alice' }))).toMatchObject({ modelAsked: true });
  });

  it('refuses, with one short reply and nothing for the model, a user not on the allow list, even for a command', async () => {
    expect(await ask(harness.message({ text: 'may I?', senderStaffId: 'carol' }))).toEqual(refused);
    expect(await ask(harness.message({ text: '/help', senderStaffId: 'carol' }))).toEqual(refused);
  });

  it('refuses a listed user in a group that is not allowed', async () => {
    expect(await ask(harness.groupMessage({ text: 'other group', senderStaffId: 'alice', conversationId: 'cid-other' }))).toMatchObject({
      replies: [expect.stringContaining(ACCESS_DENIED)],
      modelAsked: false,
    });
  });

  it('lets deny win over the allow list and over admins', async () => {
    expect(await ask(harness.message({ text: 'denied but listed', senderStaffId: 'bob' }))).toEqual(refused);
    const inBanned = await ask(harness.groupMessage({ text: 'admin in a banned group', senderStaffId: 'boss', conversationId: 'cid-banned' }));
    expect(inBanned).toMatchObject({ replies: [expect.stringContaining(ACCESS_DENIED)], modelAsked: false });
  });

  it('answers an admin outside both allow lists', async () => {
    expect(await ask(harness.groupMessage({ text: 'admin elsewhere', senderStaffId: 'root', conversationId: 'cid-other' }))).toMatchObject({ modelAsked: true });
  });

  it('refuses a user of another organisation (no staff id) unless listed by sender id', async () => {
    expect(await ask(harness.message({ text: 'stranger', senderStaffId: undefined, senderId: '$:LWCP_v1:$stranger' }))).toEqual(refused);
    expect(await ask(harness.message({ text: 'guest', senderStaffId: undefined, senderId: '$:LWCP_v1:$guest' }))).toMatchObject({ modelAsked: true });
  });
});
