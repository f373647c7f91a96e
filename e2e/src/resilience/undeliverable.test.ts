import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

describe('an answer nobody can carry', () => {
  let system: System;

  beforeAll(async () => {
    // No AppKey: the OpenAPI cannot be used, so an expired webhook leaves no route.
    system = await System.start({ label: 'undeliverable', workers: 1, env: { DINGTALK_APP_KEY: '' } });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('is logged, counted and left in the failed set, without calling DingTalk', async () => {
    const message = system.message({ text: 'too late', sessionWebhookExpiredTime: Date.now() - 1000 });
    expect((await system.post(message)).status).toBe(200);
    await waitFor(async () => (await system.queue.getJobCounts('failed')).failed === 1, { timeoutMs: 10_000 });
    expect(system.dingtalk.delivered()).toHaveLength(0);
    expect(system.dingtalk.webhookMessages).toHaveLength(0);
    const metrics = await system.get('/metrics', system.workers[0]!.port);
    expect(metrics.body).toMatch(/dtbot_worker_deliveries_total\{route="none",result="undeliverable"\} [1-9]/);
    expect(system.workers[0]!.logs.some((line) => String(line.msg).startsWith('answer undeliverable'))).toBe(true);
  });
});
