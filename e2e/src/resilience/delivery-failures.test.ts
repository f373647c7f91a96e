import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@dtbot/shared';
import { waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

describe('DingTalk refuses or the session webhook has expired', () => {
  let system: System;
  const longAnswer = Array.from({ length: 12 }, (_, i) => `第${i + 1}段：${'这是一个很长的回答。'.repeat(40)}`).join('\n\n');

  beforeAll(async () => {
    system = await System.start({
      label: 'delivery',
      workers: 1,
      openai: { answer: (body) => (String(body.messages?.at(-1)?.content) === 'long please' ? longAnswer : `答复: ${String(body.messages?.at(-1)?.content)}`) },
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('retries a webhook post answered with errcode 130101 (every fourth), answering each message once', async () => {
    system.dingtalk.setBehaviour({ errcodeEvery: { n: 4, errcode: 130101, errmsg: 'send too fast' } });
    const texts = Array.from({ length: 12 }, (_, i) => `busy ${i}`);
    for (const text of texts) expect((await system.post(system.message({ text, senderStaffId: text }))).status).toBe(200);
    await waitFor(() => texts.every((t) => system.dingtalk.delivered().some((m) => m.text === `答复: ${t}`)), { timeoutMs: 30_000 });
    const delivered = system.dingtalk.delivered().map((m) => m.text);
    for (const text of texts) expect(delivered.filter((d) => d === `答复: ${text}`)).toHaveLength(1);
    expect(system.dingtalk.webhookRejections.length).toBeGreaterThanOrEqual(3);
    // The answer was generated once; only its delivery was retried.
    expect(system.openai.requests.filter((r) => String(r.body.messages?.at(-1)?.content).startsWith('busy '))).toHaveLength(12);
    system.dingtalk.setBehaviour({ errcodeEvery: undefined });
  }, 40_000);

  it('answers through groupMessages/send once a group message\'s webhook has expired', async () => {
    const message = system.groupMessage({ text: 'late group answer', senderStaffId: 'late-g', sessionWebhookExpiredTime: Date.now() - 1000 });
    expect((await system.post(message)).status).toBe(200);
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text.startsWith('答复: late group answer')), { timeoutMs: 10_000 });
    const reply = system.dingtalk.delivered().find((m) => m.text.startsWith('答复: late group answer'))!;
    expect(reply.route).toBe('openapi');
    expect(reply.target).toBe(message.conversationId);
    expect(reply.text).toBe('答复: late group answer\n\n@late-g');
    expect(system.dingtalk.openApiMessages.at(-1)?.path).toBe('/v1.0/robot/groupMessages/send');
    expect(system.dingtalk.webhookMessages.some((m) => m.session === new URL(message.sessionWebhook).searchParams.get('session'))).toBe(false);
  });

  it('answers through oToMessages/batchSend once a private message\'s webhook has expired, reusing the access token', async () => {
    const tokensBefore = system.dingtalk.tokenRequests;
    for (const text of ['late private 1', 'late private 2']) {
      const message = system.message({ text, senderStaffId: 'late-p', sessionWebhookExpiredTime: Date.now() - 1000 });
      expect((await system.post(message)).status).toBe(200);
      await waitFor(() => system.dingtalk.delivered().some((m) => m.text === `答复: ${text}`), { timeoutMs: 10_000 });
    }
    const replies = system.dingtalk.delivered().filter((m) => m.text.startsWith('答复: late private'));
    expect(replies.map((r) => [r.route, r.target])).toEqual([
      ['openapi', 'late-p'],
      ['openapi', 'late-p'],
    ]);
    expect(system.dingtalk.openApiMessages.at(-1)?.path).toBe('/v1.0/robot/oToMessages/batchSend');
    // The token is cached in Redis: at most one token request for both sends.
    expect(system.dingtalk.tokenRequests - tokensBefore).toBeLessThanOrEqual(1);
  });

  it('splits a long answer into ordered parts within DingTalk\'s limits, each sent once', async () => {
    const message = system.message({ text: 'long please', senderStaffId: 'long' });
    expect((await system.post(message)).status).toBe(200);
    const session = new URL(message.sessionWebhook).searchParams.get('session');
    await waitFor(() => system.dingtalk.delivered().filter((m) => m.target === session).length >= 3, { timeoutMs: 10_000 });
    await sleep(300);
    const parts = system.dingtalk.delivered().filter((m) => m.target === session);
    const bodies = system.dingtalk.webhookMessages.filter((m) => m.session === session).map((m) => JSON.stringify(m.body));
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThan(20_000);
    expect(parts.map((p) => p.title)).toEqual(parts.map((_, i) => expect.stringContaining(`(${i + 1}/${parts.length})`)));
    expect(parts.map((p) => p.text).join('\n\n')).toBe(longAnswer);
  });
});
