import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redisKeys, Turns, type MessageJob } from '@dtbot/shared';
import { buildCallback, cleanupPrefix, createTestPrefix, redisUrlForTests, signedHeaders } from '@dtbot/testkit';
import { buildApp } from '../src/app.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { TurnBatcher } from '../src/ordering/turn-batcher.js';

// The Koa app in-process (no main.ts), on a real Redis under its own prefix.
const SECRET = 'gateway-test-secret';
const prefix = createTestPrefix('gateway-app');
const webhook = 'https://oapi.dingtalk.com/robot/sendBySession?session=gateway-test';
let redis: Redis;
let queue: Queue<MessageJob>;
let server: Server;
let base: string;
let draining = false;

beforeAll(async () => {
  redis = new Redis(redisUrlForTests(), { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await new Promise((resolve) => redis.once('ready', resolve));
  queue = new Queue<MessageJob>('messages', { connection: redis, prefix });
  const turns = new Turns(redis, redisKeys(prefix));
  const app = buildApp({
    logger: createLogger('gateway-test', 'silent'),
    redis,
    queue,
    metrics: createGatewayMetrics(),
    secrets: [SECRET],
    allowedOrigins: ['https://oapi.dingtalk.com'],
    maxBodyBytes: 64 * 1024,
    isDraining: () => draining,
    enqueue: {
      queue,
      turns,
      numbering: new TurnBatcher(turns),
      memoryScope: 'user',
      dedupeTtlMs: 60_000,
      timeoutMs: 1000,
      defaultRobotCode: 'dingtestrobot',
      isConnected: () => redis.status === 'ready',
    },
  });
  server = createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await queue?.close();
  await cleanupPrefix(redis, prefix);
  await redis?.quit();
});

const post = (body: unknown, headers: Record<string, string> = signedHeaders(SECRET)) =>
  fetch(`${base}/dingtalk/callback`, { method: 'POST', headers, body: JSON.stringify(body) });

describe('gateway app', () => {
  it('stores a signed callback as one job and answers 200 {}', async () => {
    const response = await post(buildCallback({ sessionWebhook: webhook, text: 'hello' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const [job] = await queue.getJobs(['waiting', 'prioritized']);
    expect(job?.data).toMatchObject({ prompt: 'hello', seq: 1, robotCode: 'dingtestrobot' });
    expect(job?.opts.deduplication?.id).toMatch(/^d\./);
  });

  it('refuses an unsigned sender before reading its body: a 1 MB unsigned body gets 401, not 413', async () => {
    const response = await post({ padding: 'x'.repeat(1024 * 1024) }, { 'content-type': 'application/json' });
    expect(response.status).toBe(401);
  });

  it('answers a GET on the callback path with 405 and an unknown path with 404', async () => {
    const wrongMethod = await fetch(`${base}/dingtalk/callback`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ error: 'method_not_allowed' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('counts every answer by result in /metrics', async () => {
    await post(buildCallback({ sessionWebhook: webhook }), { 'content-type': 'application/json' });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/dtbot_gateway_callbacks_total\{result="stored"\} 1/);
    expect(text).toMatch(/dtbot_gateway_callbacks_total\{result="missing_signature"\} 2/);
    expect(text).toContain('dtbot_gateway_ack_seconds_bucket');
  });

  it('is healthy while running and ready while Redis answers, not while draining', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    draining = true;
    const answer = await fetch(`${base}/readyz`);
    draining = false;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ status: 'draining' });
  });
});
