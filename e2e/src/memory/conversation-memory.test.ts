import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type ChatCompletionRequest } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

const lastUserText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);

/** Memory and ordering: the next answer sees the turns before it, across two worker processes. */
describe('conversation memory', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({
      label: 'memory',
      workers: 2,
      workerEnv: { SYSTEM_PROMPT: '你是测试助手' },
      // Answers name the question, and take a little while, so overlapping turns would show.
      openai: { latencyMs: 50, answer: (body) => `A(${lastUserText(body)})` },
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  const requestFor = (question: string) => system.openai.requests.find((r) => lastUserText(r.body) === question)?.body;

  it('sends the first two turns with the third question, after the system prompt', async () => {
    const staff = 'memory-row';
    for (const question of ['Q1 row', 'Q2 row', 'Q3 row']) {
      expect((await system.post(system.message({ text: question, senderStaffId: staff }))).status).toBe(200);
      await waitFor(() => system.dingtalk.delivered().some((m) => m.text === `A(${question})`), { timeoutMs: 10_000 });
    }
    expect(requestFor('Q3 row')?.messages).toEqual([
      { role: 'system', content: '你是测试助手' },
      { role: 'user', content: 'Q1 row' },
      { role: 'assistant', content: 'A(Q1 row)' },
      { role: 'user', content: 'Q2 row' },
      { role: 'assistant', content: 'A(Q2 row)' },
      { role: 'user', content: 'Q3 row' },
    ]);
  });

  it('answers two messages in order, the second sent while the first is being answered, seeing the first turn (five users at once)', async () => {
    const users = Array.from({ length: 5 }, (_, i) => `memory-burst-${i}`);
    await Promise.all(
      users.map(async (staff) => {
        // The second goes once the first is stored (its 200), while the model still writes the first answer: the
        // order the gateway stored them in is the order they are answered in. Sent a few milliseconds apart
        // without waiting, a client short of CPU could deliver them the other way round.
        const first = await system.post(system.message({ text: `first ${staff}`, senderStaffId: staff }));
        expect(first.status).toBe(200);
        const second = await system.post(system.message({ text: `second ${staff}`, senderStaffId: staff }));
        expect(second.status).toBe(200);
      }),
    );
    await waitFor(() => users.every((staff) => system.dingtalk.delivered().some((m) => m.text === `A(second ${staff})`)), {
      timeoutMs: 15_000,
    });
    for (const staff of users) {
      expect(requestFor(`second ${staff}`)?.messages).toEqual([
        { role: 'system', content: '你是测试助手' },
        { role: 'user', content: `first ${staff}` },
        { role: 'assistant', content: `A(first ${staff})` },
        { role: 'user', content: `second ${staff}` },
      ]);
      const delivered = system.dingtalk.delivered().map((m) => m.text);
      expect(delivered.indexOf(`A(first ${staff})`)).toBeLessThan(delivered.indexOf(`A(second ${staff})`));
    }
  });

  it('keeps each user of a group in their own thread by default', async () => {
    const title = 'memory group';
    await system.post(system.groupMessage({ text: 'alice asks', senderStaffId: 'alice', conversationTitle: title }));
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text.startsWith('A(alice asks)')), { timeoutMs: 10_000 });
    await system.post(system.groupMessage({ text: 'bob asks', senderStaffId: 'bob', conversationTitle: title }));
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text.startsWith('A(bob asks)')), { timeoutMs: 10_000 });
    expect(requestFor('bob asks')?.messages?.map((m) => m.content)).toEqual(['你是测试助手', 'bob asks']);
  });

  it('forgets a conversation on /reset and explains itself on /help', async () => {
    const staff = 'memory-reset';
    await system.post(system.message({ text: 'remember me', senderStaffId: staff }));
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === 'A(remember me)'), { timeoutMs: 10_000 });
    const reset = system.message({ text: '/reset', senderStaffId: staff });
    await system.post(reset);
    const help = system.message({ text: '帮助', senderStaffId: staff });
    await system.post(help);
    await system.post(system.message({ text: 'after reset', senderStaffId: staff }));
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === 'A(after reset)'), { timeoutMs: 10_000 });

    const sessionOf = (message: { sessionWebhook: string }) => new URL(message.sessionWebhook).searchParams.get('session');
    const delivered = system.dingtalk.delivered();
    expect(delivered.find((m) => m.target === sessionOf(reset))?.text).toContain('已清空');
    expect(delivered.find((m) => m.target === sessionOf(help))?.text).toContain('/reset');
    expect(requestFor('after reset')?.messages?.map((m) => m.content)).toEqual(['你是测试助手', 'after reset']);
    expect(requestFor('/reset')).toBeUndefined();
  });

  it('answers a voice message from its recognition, and a picture with a short note', async () => {
    const voice = system.message({ msgtype: 'audio', content: { downloadCode: 'x', recognition: '语音问题' } });
    const picture = system.message({ msgtype: 'picture', content: { downloadCode: 'y' } });
    expect((await system.post(voice)).status).toBe(200);
    expect((await system.post(picture)).status).toBe(200);
    const session = new URL(picture.sessionWebhook).searchParams.get('session');
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === 'A(语音问题)'), { timeoutMs: 10_000 });
    await waitFor(() => system.dingtalk.delivered().some((m) => m.target === session), { timeoutMs: 10_000 });
    expect(system.dingtalk.delivered().find((m) => m.target === session)?.text).toContain('图片');
  });
});
