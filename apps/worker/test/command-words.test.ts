import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingTalkCallbackPayload } from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import { ADMINS_ONLY, IMAGES_UNAVAILABLE, RESET_DONE } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Every command's words are a setting: an operator's own words work, and the defaults they replaced do not.
const OWN_HELP = '本群机器人：直接提问即可。';
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({
    label: 'command-words',
    env: {
      // chatgpt-dingtalk's name for the help text.
      HELP: OWN_HELP,
      HELP_COMMANDS: '/h,救命',
      RESET_COMMANDS: '/forget',
      SETTINGS_COMMANDS: '/me',
      PERSONA_COMMANDS: '/role',
      USAGE_COMMANDS: '/stats',
      IMAGE_COMMANDS: '/draw',
      ADMIN_USERS: 'boss',
    },
  });
});

afterAll(async () => {
  await harness?.close();
});

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
async function reply(text: string, senderStaffId = 'member'): Promise<string> {
  const message: DingTalkCallbackPayload = harness.message({ text, senderStaffId });
  expect(await (await harness.send(message)).settled).toBe('completed');
  const replies = harness.dingtalk.delivered().filter((m) => m.target === sessionOf(message.sessionWebhook));
  expect(replies).toHaveLength(1);
  return replies[0]!.text;
}
const modelCalls = () => harness.openai.requests.length;

describe('command words from the settings', () => {
  it('answers the help words with HELP, and sends a replaced default word to the model', async () => {
    const before = modelCalls();
    expect(await reply('救命')).toBe(toDingTalkMarkdown(OWN_HELP));
    expect(await reply('/h')).toBe(toDingTalkMarkdown(OWN_HELP));
    expect(modelCalls()).toBe(before);
    expect(await reply('帮助')).toBe('答复: 帮助');
    expect(modelCalls()).toBe(before + 1);
  });

  it('knows reset, settings and persona by their new words, and a replaced /word only as unknown', async () => {
    const before = modelCalls();
    expect(await reply('/forget')).toBe(RESET_DONE);
    expect(await reply('/me')).toContain('- 模型：fake-model');
    expect(await reply('/role')).toContain('当前角色：**默认设定**');
    const unknown = await reply('/settings');
    expect(unknown).toContain('没有 `/settings` 这个命令');
    expect(unknown).toContain(toDingTalkMarkdown(OWN_HELP));
    expect(modelCalls()).toBe(before);
  });

  it('gives usage to an admin by its new word and refuses it to others; draws only by its new word', async () => {
    const before = modelCalls();
    expect(await reply('/stats', 'boss')).toMatch(/^### 用量/);
    expect(await reply('/stats')).toBe(ADMINS_ONLY);
    expect(await reply('/draw a cat')).toBe(IMAGES_UNAVAILABLE);
    expect(modelCalls()).toBe(before);
  });
});
