import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionRequest, DingTalkCallbackPayload } from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import { helpText } from '../src/replies/canned-replies.js';
import { messageJobFor } from './message-job-for.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Commands, personas and templates through the real worker: real Redis, fake model, fake DingTalk.
const SYSTEM_PROMPT = 'You are the team helper.';
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({ label: 'chat-commands', env: { SYSTEM_PROMPT } });
});

afterAll(async () => {
  await harness?.close();
});

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
/** Sends a message and waits until it is settled; returns the texts DingTalk got in reply. */
async function ask(message: DingTalkCallbackPayload): Promise<string[]> {
  expect(await (await harness.send(message)).settled).toBe('completed');
  return harness.dingtalk
    .delivered()
    .filter((m) => m.target === sessionOf(message.sessionWebhook))
    .map((m) => m.text);
}
const userText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);
const requestAbout = (text: string) => harness.openai.requests.map((r) => r.body).find((body) => userText(body).includes(text));
const systemOf = (body: ChatCompletionRequest | undefined) => body?.messages?.find((m) => m.role === 'system')?.content;

describe('commands, personas and templates', () => {
  it('answers help with every command and template, and never asks the model', async () => {
    const before = harness.openai.requests.length;
    const [help] = await ask(harness.message({ text: '/help', senderStaffId: 'helper' }));
    // Sent as DingTalk markdown, each line kept.
    expect(help).toBe(toDingTalkMarkdown(helpText(harness.deps.settings, harness.deps.personas)));
    for (const word of ['/help', '/reset', '/settings', '/persona', '角色', '我的设置', '/schedule', '定时']) expect(help).toContain(`\`${word}\``);
    for (const template of harness.deps.personas.templates) expect(help).toContain(`\`#${template.name}\``);
    expect(harness.openai.requests.length).toBe(before);
  });

  it('answers an unknown /command with the help instead of asking the model', async () => {
    const [reply] = await ask(harness.message({ text: '/weather 北京', senderStaffId: 'unknown-cmd' }));
    expect(reply).toContain('没有 `/weather` 这个命令');
    expect(reply).toContain(toDingTalkMarkdown(helpText(harness.deps.settings, harness.deps.personas)));
    expect(requestAbout('/weather')).toBeUndefined();
  });

  it('switches a thread to a persona, keeps its memory, shows it in the settings, and goes back to the default', async () => {
    const user = { senderStaffId: 'switcher' };
    await ask(harness.message({ text: 'my name is Wang', ...user }));
    expect(systemOf(requestAbout('my name is Wang'))).toBe(SYSTEM_PROMPT);

    const [list] = await ask(harness.message({ text: '/persona', ...user }));
    expect(list).toContain('当前角色：**默认设定**');
    expect(list).toContain('`翻译官` `translator`');

    const [switched] = await ask(harness.message({ text: '角色 Translator', ...user }));
    expect(switched).toContain('**翻译官**');
    expect(switched).toContain('对话记忆已保留');

    await ask(harness.message({ text: 'what is my name?', ...user }));
    const asked = requestAbout('what is my name?');
    expect(systemOf(asked)).toBe(harness.deps.personas.findPersona('翻译官')?.prompt);
    expect(asked?.messages?.slice(1, 3)).toEqual([
      { role: 'user', content: 'my name is Wang' },
      { role: 'assistant', content: '答复: my name is Wang' },
    ]);

    const settings = (await ask(harness.message({ text: '我的设置', ...user }))).at(-1);
    expect(settings).toContain('- 模型：fake-model');
    expect(settings).toContain('- 对话记忆：每人独立');
    expect(settings).toContain('- 角色：翻译官');

    await ask(harness.message({ text: '/persona 默认', ...user }));
    await ask(harness.message({ text: 'back to normal?', ...user }));
    expect(systemOf(requestAbout('back to normal?'))).toBe(SYSTEM_PROMPT);
  });

  it('keeps a persona to its thread: another member of the group is still answered as the default', async () => {
    const group = { conversationId: 'cid-persona-group' };
    await ask(harness.groupMessage({ text: '/persona 程序员', senderStaffId: 'dev', ...group }));
    await ask(harness.groupMessage({ text: 'dev asks', senderStaffId: 'dev', ...group }));
    await ask(harness.groupMessage({ text: 'pm asks', senderStaffId: 'pm', ...group }));
    expect(systemOf(requestAbout('dev asks'))).toBe(harness.deps.personas.findPersona('coder')?.prompt);
    expect(systemOf(requestAbout('pm asks'))).toBe(SYSTEM_PROMPT);
  });

  it('names an unknown persona and lists the real ones, changing nothing', async () => {
    const message = harness.message({ text: '/persona 海盗', senderStaffId: 'pirate-fan' });
    const [reply] = await ask(message);
    expect(reply).toContain('没有名为 `海盗` 的角色');
    expect(reply).toContain('当前角色：**默认设定**');
    expect(await harness.deps.personaChoices.get(messageJobFor(message).orderKey)).toBeUndefined();
  });

  it('says an unknown persona\'s markdown back as typed, as code: no picture, no link', async () => {
    const [reply] = await ask(harness.message({ text: '/persona ![](x)[y](z)', senderStaffId: 'markdown-fan' }));
    expect(reply).toContain('没有名为 `![](x)[y](z)` 的角色');
  });

  it.each([
    ['a name longer than 32 characters', `/persona ${'长'.repeat(40)}`, '长'.repeat(33)],
    ['a name with spaces', '/persona 海 盗 船长', '海 盗'],
    ['a name with a slash', '/persona a/b', 'a/b'],
  ])('refuses %s with the rule, without saying it back', async (_case, text, echoed) => {
    const message = harness.message({ text, senderStaffId: `not-a-name-${text.length}` });
    const [reply] = await ask(message);
    expect(reply).toContain('这不是一个角色名：角色名是一个词，最多 32 个字，不含空格、# 或 /。');
    expect(reply).not.toContain(echoed);
    expect(reply).toContain('当前角色：**默认设定**');
    expect(await harness.deps.personaChoices.get(messageJobFor(message).orderKey)).toBeUndefined();
  });

  it('says back at most 64 characters of an unknown /command of 5,000', async () => {
    const [reply] = await ask(harness.message({ text: `/w${'x'.repeat(5000)}`, senderStaffId: 'long-command' }));
    expect(reply).toContain(`没有 \`/w${'x'.repeat(62)}…\` 这个命令`);
    expect(reply).not.toContain('x'.repeat(63));
  });

  it('wraps a template around the text, asks the model once, and remembers the question as asked', async () => {
    const user = { senderStaffId: 'reporter' };
    const [answer] = await ask(harness.message({ text: '#周报 修复了登录超时；上线了导出功能', ...user }));
    const asked = requestAbout('修复了登录超时');
    expect(userText(asked!)).toBe(harness.deps.personas.matchTemplate('#周报 x')!.template.prompt.replace('{{input}}', '修复了登录超时；上线了导出功能'));
    expect(answer).toBe(toDingTalkMarkdown(`答复: ${userText(asked!)}`));

    await ask(harness.message({ text: '再简短一点', ...user }));
    expect(requestAbout('再简短一点')?.messages?.[1]).toEqual({ role: 'user', content: userText(asked!) });
  });

  it('answers a template without text with how to use it, without asking the model', async () => {
    const before = harness.openai.requests.length;
    const [reply] = await ask(harness.message({ text: '#翻译', senderStaffId: 'lazy' }));
    expect(reply).toContain('请在 `#翻译` 后面写上内容');
    expect(harness.openai.requests.length).toBe(before);
  });
});

describe('personas with group memory', () => {
  let group: WorkerHarness;
  beforeAll(async () => {
    group = await startWorkerHarness({ label: 'chat-commands-group', env: { MEMORY_SCOPE: 'group' } });
  });
  afterAll(async () => {
    await group?.close();
  });

  it('shares the persona of a group thread with every member, and says so', async () => {
    const conversation = { conversationId: 'cid-shared-persona' };
    const switchMessage = group.groupMessage({ text: '/persona writer', senderStaffId: 'lead', ...conversation });
    expect(await (await group.send(switchMessage)).settled).toBe('completed');
    const [switched] = group.dingtalk.delivered().filter((m) => m.target === sessionOf(switchMessage.sessionWebhook));
    expect(switched?.text).toContain('本群所有人的提问');
    expect(await (await group.send(group.groupMessage({ text: 'member question', senderStaffId: 'member', ...conversation }))).settled).toBe('completed');
    const asked = group.openai.requests.map((r) => r.body).find((body) => userText(body) === 'member question');
    expect(systemOf(asked)).toBe(group.deps.personas.findPersona('写作助手')?.prompt);
  });
});
