import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionRequest, DingTalkCallbackPayload } from '@dtbot/testkit';
import { SENSITIVE_QUESTION } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Sensitive words through the real worker: real Redis, fake model, fake DingTalk.
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({ label: 'sensitive', env: { SENSITIVE_WORDS: '机密,Project X, 内部代号', QUOTA_USER_DAILY: '5' } });
});

afterEach(() => {
  harness.openai.setBehaviour({ answer: undefined });
});

afterAll(async () => {
  await harness?.close();
});

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
async function ask(message: DingTalkCallbackPayload): Promise<string[]> {
  expect(await (await harness.send(message)).settled).toBe('completed');
  return harness.dingtalk.delivered().filter((m) => m.target === sessionOf(message.sessionWebhook)).map((m) => m.text);
}
const userText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);

describe('sensitive words', () => {
  it('masks a word in what a command says back: an unknown persona named with one', async () => {
    const [reply] = await ask(harness.message({ text: '/persona 内部代号机密', senderStaffId: 'persona-echo' }));
    expect(reply).toContain('没有名为 `******` 的角色');
    expect(reply).not.toMatch(/机密|内部代号/);
  });

  it('refuses a question that contains one, in any case, without asking the model or counting it', async () => {
    const user = { senderStaffId: 'curious' };
    const before = harness.openai.requests.length;
    expect(await ask(harness.message({ text: '说说 PROJECT x 的进度', ...user }))).toEqual([SENSITIVE_QUESTION]);
    expect(await ask(harness.message({ text: '#翻译 这份机密文件', ...user }))).toEqual([SENSITIVE_QUESTION]);
    expect(harness.openai.requests.length).toBe(before);
    expect((await ask(harness.message({ text: '/settings', ...user }))).at(-1)).toContain('今日剩余次数：5 次');
  });

  it('masks every occurrence in an answer before it is delivered and before it is remembered', async () => {
    harness.openai.setBehaviour({
      answer: (body) => (userText(body) === 'tell me' ? '机密一：project x；机密二：PROJECT X 的内部代号。' : `答复: ${userText(body)}`),
    });
    const user = { senderStaffId: 'listener' };
    expect(await ask(harness.message({ text: 'tell me', ...user }))).toEqual(['**一：*********；**二：********* 的****。']);
    await ask(harness.message({ text: 'and then?', ...user }));
    const followUp = harness.openai.requests.map((r) => r.body).find((body) => userText(body) === 'and then?');
    expect(followUp?.messages?.[1]).toEqual({ role: 'assistant', content: '**一：*********；**二：********* 的****。' });
  });

  it('answers a command with a word, not refuses it, and masks the word where the reply says it back', async () => {
    expect((await ask(harness.message({ text: '/persona 机密', senderStaffId: 'commander' }))).join()).toContain('没有名为 `**` 的角色');
  });
});
