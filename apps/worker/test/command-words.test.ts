import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingTalkCallbackPayload } from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import { ADMINS_ONLY, IMAGES_UNAVAILABLE, RESET_DONE } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// The reset words are a setting: an operator's own words work, and the defaults they replaced do not. The words of
// help, settings, persona, usage and image are fixed: the settings that once renamed them are no longer read.
const OWN_HELP = '本群机器人：直接提问即可。';
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({
    label: 'command-words',
    env: {
      // chatgpt-dingtalk's name for the help text.
      HELP: OWN_HELP,
      RESET_COMMANDS: '/forget',
      // Retired: each is reported at start as fixed, and changes nothing.
      HELP_COMMANDS: '/h,救命',
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

describe('command words: reset from the settings, the others fixed', () => {
  it('answers the fixed help words with HELP, and sends a word of the retired HELP_COMMANDS to the model', async () => {
    const before = modelCalls();
    expect(await reply('帮助')).toBe(toDingTalkMarkdown(OWN_HELP));
    expect(await reply('/HELP')).toBe(toDingTalkMarkdown(OWN_HELP));
    expect(modelCalls()).toBe(before);
    expect(await reply('救命')).toBe('答复: 救命');
    expect(modelCalls()).toBe(before + 1);
  });

  it('knows reset by its new word and a replaced /reset only as unknown; settings and persona by their fixed words', async () => {
    const before = modelCalls();
    expect(await reply('/forget')).toBe(RESET_DONE);
    const unknown = await reply('/reset');
    expect(unknown).toContain('没有 `/reset` 这个命令');
    expect(unknown).toContain(toDingTalkMarkdown(OWN_HELP));
    expect(await reply('我的设置')).toContain('- 模型：fake-model');
    expect(await reply('/settings')).toContain('- 模型：fake-model');
    expect(await reply('角色')).toContain('当前角色：**默认设定**');
    expect(await reply('/me')).toContain('没有 `/me` 这个命令');
    expect(await reply('/role')).toContain('没有 `/role` 这个命令');
    expect(modelCalls()).toBe(before);
  });

  it('gives usage to an admin by its fixed word and refuses it to others; draws only by a fixed word', async () => {
    const before = modelCalls();
    expect(await reply('/usage', 'boss')).toMatch(/^### 用量/);
    expect(await reply('用量')).toBe(ADMINS_ONLY);
    expect(await reply('/stats', 'boss')).toContain('没有 `/stats` 这个命令');
    expect(await reply('#图片 a cat')).toBe(IMAGES_UNAVAILABLE);
    expect(await reply('/draw a cat')).toContain('没有 `/draw` 这个命令');
    expect(modelCalls()).toBe(before);
  });
});
