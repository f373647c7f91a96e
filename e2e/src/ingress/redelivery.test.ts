import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

const OTHER_ROBOT = 'dingotherrobot';
const OTHER_SECRET = 'e2e-other-secret';

describe('a redelivered callback gets no second answer', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({
      label: 'redelivery',
      workers: 2,
      openai: { latencyMs: 100 },
      env: { DINGTALK_CREDENTIALS: `${OTHER_ROBOT}:${OTHER_SECRET}` },
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('answers once when the same callback arrives three times at once and again after the answer', async () => {
    const message = system.message({ text: 'only once please' });
    const acks = await Promise.all([system.post(message), system.post(message), system.post(message)]);
    expect(acks.map((ack) => ack.status)).toEqual([200, 200, 200]);

    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '答复: only once please'), { timeoutMs: 10_000 });
    // DingTalk redelivers later, with a fresh signature.
    expect((await system.post(message)).status).toBe(200);
    // The conversation's next message proves the redelivered numbers did not block it.
    const next = system.message({ text: 'next question' });
    expect((await system.post(next)).status).toBe(200);
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '答复: next question'), { timeoutMs: 10_000 });

    expect(system.dingtalk.delivered().filter((m) => m.text === '答复: only once please')).toHaveLength(1);
    const asked = system.openai.requests.filter((r) => r.body.messages?.at(-1)?.content === 'only once please');
    expect(asked).toHaveLength(1);
  });

  it('treats the same msgId from another robot (signed with its secret) as another message', async () => {
    const message = system.message({ text: 'two robots' });
    expect((await system.post(message)).status).toBe(200);
    const other = { ...message, robotCode: OTHER_ROBOT, sessionWebhook: system.dingtalk.sessionWebhook() };
    expect((await system.post(other, signedHeaders(OTHER_SECRET))).status).toBe(200);
    await waitFor(() => system.dingtalk.delivered().filter((m) => m.text === '答复: two robots').length === 2, { timeoutMs: 10_000 });
  });
});
