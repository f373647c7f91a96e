import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@dtbot/shared';
import { waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

/** Each message of `texts` was answered exactly once (by its echo), whatever failed on the way. */
function expectAnsweredOnce(system: System, texts: string[]): void {
  const delivered = system.dingtalk.delivered().map((m) => m.text);
  for (const text of texts) expect(delivered.filter((d) => d === `答复: ${text}`), text).toHaveLength(1);
}

describe('the model API fails', () => {
  let system: System;

  beforeAll(async () => {
    // A 1-second rate window stands in for the provider's minute.
    system = await System.start({ label: 'model-failures', workers: 2, openai: { rateWindowMs: 1000 } });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('answers everything once through a 429 storm, pausing as retry-after says instead of hammering', async () => {
    // The provider takes 5 calls a second; 25 questions arrive at once.
    system.openai.setBehaviour({ rpmLimit: 5 });
    const texts = Array.from({ length: 25 }, (_, i) => `storm ${i}`);
    const started = Date.now();
    const acks = await Promise.all(texts.map((text) => system.post(system.message({ text, senderStaffId: text }))));
    expect(acks.every((ack) => ack.status === 200)).toBe(true);
    await waitFor(() => texts.every((t) => system.dingtalk.delivered().some((m) => m.text === `答复: ${t}`)), {
      timeoutMs: 30_000,
    });
    const tookMs = Date.now() - started;
    expectAnsweredOnce(system, texts);
    // The first burst meets the limit head-on (up to 20 refusals); after that every caller waits
    // out the retry-after and only a few probe the limit again. Retrying each job on its own would
    // collect several hundred 429s here; BullMQ's default 5 s idle poll would stretch the run to 25 s.
    expect(system.openai.rateLimited).toBeLessThan(2 * texts.length);
    expect(tookMs).toBeLessThan(15_000);
    system.openai.setBehaviour({ rpmLimit: undefined });
  }, 40_000);

  it('answers everything once when every third model call fails with 500', async () => {
    system.openai.setBehaviour({ failEvery: { n: 3, status: 500 } });
    const texts = Array.from({ length: 12 }, (_, i) => `flaky ${i}`);
    for (const text of texts) expect((await system.post(system.message({ text, senderStaffId: text }))).status).toBe(200);
    await waitFor(() => texts.every((t) => system.dingtalk.delivered().some((m) => m.text === `答复: ${t}`)), {
      timeoutMs: 30_000,
    });
    expectAnsweredOnce(system, texts);
    expect(system.openai.failed).toBeGreaterThanOrEqual(4);
    system.openai.setBehaviour({ failEvery: undefined });
  }, 40_000);

  it('gives up at once on a 401, apologises with a reference id, and keeps the job for an operator', async () => {
    system.openai.setBehaviour({ status: 401 });
    const message = system.message({ text: 'refused by the model', senderStaffId: 'apology' });
    expect((await system.post(message)).status).toBe(200);
    const session = new URL(message.sessionWebhook).searchParams.get('session');
    await waitFor(() => system.dingtalk.delivered().some((m) => m.target === session), { timeoutMs: 10_000 });
    const requestsAtApology = system.openai.requests.length;

    const replies = system.dingtalk.delivered().filter((m) => m.target === session);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/^抱歉，这次没能回答你的问题，请稍后再试。（参考编号：o\.[\w-]+\.\d+）$/);
    expect(replies[0]!.text).not.toMatch(/Incorrect API key|invalid_api_key|401/);
    await waitFor(async () => (await system.queue.getJobCounts('failed')).failed === 1, { timeoutMs: 5000 });
    const [failed] = await system.queue.getFailed();
    expect(replies[0]!.text).toContain(failed!.id);
    expect(failed!.attemptsMade).toBe(1);
    // No retries follow a fatal answer.
    await sleep(1500);
    expect(system.openai.requests.length).toBe(requestsAtApology);
    system.openai.setBehaviour({ status: undefined });

    // The conversation is not stuck behind the failed message.
    expect((await system.post(system.message({ text: 'after the apology', senderStaffId: 'apology' }))).status).toBe(200);
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '答复: after the apology'), { timeoutMs: 10_000 });
  }, 30_000);
});
