import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@dtbot/testkit';
import { startRedisServer, type RedisServer } from '@dtbot/redis-server';
import { System } from '../harness/start-system.js';

/** While Redis cannot take a message, DingTalk hears "not stored" quickly; afterwards all flows, once. */
describe('Redis stops answering', () => {
  let redis: RedisServer;
  let system: System;

  beforeAll(async () => {
    redis = await startRedisServer();
    system = await System.start({ label: 'outage', workers: 1, redisUrl: redis.url });
  });

  afterAll(async () => {
    redis?.resume();
    await system?.close();
    await redis?.stop();
  });

  it('refuses callbacks with 503 within about 2 s, says not ready, and answers the redelivery once when Redis is back', async () => {
    expect((await system.post(system.message({ text: 'before the pause' }))).status).toBe(200);
    await system.dingtalk.waitForDelivered(1, 10_000);

    redis.pause();
    const refused = system.message({ text: 'during the pause' });
    const started = Date.now();
    const answer = await system.post(refused);
    const refusedAfterMs = Date.now() - started;
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: 'queue_unavailable' });
    expect(refusedAfterMs).toBeLessThan(2500);
    expect((await system.get('/readyz')).status).toBe(503);
    expect((await system.get('/healthz')).status).toBe(200);
    expect((await system.get('/readyz', system.workers[0]!.port)).status).toBe(503);

    redis.resume();
    await waitFor(async () => (await system.get('/readyz')).status === 200, { timeoutMs: 10_000 });
    // DingTalk redelivers the refused message; a new one follows.
    expect((await system.post(refused)).status).toBe(200);
    expect((await system.post(system.message({ text: 'after the pause' }))).status).toBe(200);
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '答复: after the pause'), { timeoutMs: 15_000 });
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '答复: during the pause'), { timeoutMs: 15_000 });

    const texts = system.dingtalk.delivered().map((m) => m.text);
    expect(texts.filter((text) => text === '答复: during the pause')).toHaveLength(1);
    expect(texts).toHaveLength(3);
  });
});
