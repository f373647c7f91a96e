import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

/** The whole path: DingTalk callback → gateway → Redis → worker → model → session webhook. */
describe('a message is answered once through its session webhook', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({ label: 'answers', workers: 2 });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('answers a private message once, without an @-mention', async () => {
    const message = system.message({ text: '你好，介绍一下你自己' });
    const started = Date.now();
    const ack = await system.post(message);
    const ackMs = Date.now() - started;
    expect(ack).toEqual({ status: 200, body: {} });
    expect(ackMs).toBeLessThan(2000);

    const session = new URL(message.sessionWebhook).searchParams.get('session');
    await waitFor(() => system.dingtalk.delivered().some((m) => m.target === session), { timeoutMs: 10_000 });
    const replies = system.dingtalk.delivered().filter((m) => m.target === session);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.route).toBe('webhook');
    expect(replies[0]!.kind).toBe('markdown');
    expect(replies[0]!.text).toBe('答复: 你好，介绍一下你自己');
    expect(replies[0]!.atUserIds ?? []).toEqual([]);
  });

  it('answers a group message once, @-mentioning the asker, with the leading space trimmed', async () => {
    const message = system.groupMessage({ text: '帮我总结一下', senderStaffId: 'staff-g1' });
    expect((await system.post(message)).status).toBe(200);

    const session = new URL(message.sessionWebhook).searchParams.get('session');
    await waitFor(() => system.dingtalk.delivered().some((m) => m.target === session), { timeoutMs: 10_000 });
    const replies = system.dingtalk.delivered().filter((m) => m.target === session);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.atUserIds).toEqual(['staff-g1']);
    expect(replies[0]!.text).toBe('答复: 帮我总结一下\n\n@staff-g1');
    const request = system.openai.requests.find((r) => JSON.stringify(r.body).includes('帮我总结一下'));
    expect(request?.body.messages?.at(-1)).toEqual({ role: 'user', content: '帮我总结一下' });
  });
});
