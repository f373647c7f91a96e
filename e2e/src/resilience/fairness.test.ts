import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

/** One group floods the robot; another conversation's question still starts promptly. */
describe('fair scheduling between conversations', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({
      label: 'fairness',
      workers: 1,
      workerEnv: { WORKER_CONCURRENCY: '2' },
      openai: { latencyMs: 100 },
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('answers a private question among the first few, while a group\'s 40 questions are queued before it', async () => {
    const flood = Array.from({ length: 40 }, (_, i) => `flood ${i}`);
    // Forty members of one group ask at once (forty memory threads, so turns alone would not help).
    await Promise.all(
      flood.map((text, i) => system.post(system.groupMessage({ text, senderStaffId: `member-${i}`, conversationTitle: 'busy group' }))),
    );
    expect((await system.post(system.message({ text: 'just me', senderStaffId: 'quiet-user' }))).status).toBe(200);

    await waitFor(() => system.dingtalk.delivered().length === 41, { timeoutMs: 20_000 });
    const order = system.dingtalk.delivered().map((m) => m.text);
    // With plain FIFO it would be answered 41st, about two seconds later.
    expect(order.indexOf('答复: just me')).toBeLessThan(5);
  }, 30_000);
});
