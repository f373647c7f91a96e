import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, createRedis, redisKeys, type RedisClient } from '@dtbot/shared';
import { redisUrlForTests } from '@dtbot/testkit';
import { buildApp } from '../src/app.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { buildPlayground } from '../src/playground/build-playground.js';
import type { Playground } from '../src/playground/playground-routes.js';
import { startAcceptStack, type AcceptStack } from './contract/accept-stack.js';

// The playground's limits of all sessions together, through the app, on a real Redis: two gateways share one Redis,
// each with its own playground, and every question opens a session of its own (sessions cost nothing to open).
const logger = createLogger('playground-all-test', 'silent');
const closing: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closing.reverse()) await close();
});

/** Two gateways with a playground each, on one Redis prefix, with these limits of all sessions together. */
async function twoGateways(label: string, limits: { allQuestionsPerMinute: number; allQuestionsPerDay: number }): Promise<string[]> {
  const stack: AcceptStack = await startAcceptStack(label);
  closing.push(() => stack.close());
  const origins: string[] = [];
  for (const accept of [stack.accept, await stack.anotherGateway()]) {
    const server: Server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const subscriber: RedisClient = createRedis({ url: redisUrlForTests(), failFast: false });
    const playground: Playground = buildPlayground({
      config: { MEMORY_SCOPE: 'user', STOP_COMMANDS: ['/stop'], FEEDBACK_COMMANDS: ['/good', '/bad'] },
      redis: stack.redis,
      subscriber,
      keys: redisKeys(stack.prefix),
      accept,
      logger,
      limits: { maxSessions: 100, ...limits },
    });
    await playground.hub.start();
    const app = buildApp({ ...accept, logger, redis: stack.redis, metrics: createGatewayMetrics(), robots: [], maxBodyBytes: 64 * 1024, isDraining: () => false, playground });
    server.on('request', app.callback());
    closing.push(async () => {
      await playground.hub.close();
      server.closeAllConnections();
      server.close();
    });
    origins.push(origin);
  }
  return origins;
}

const postJson = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A question from a fresh session on `gateway`: what the playground answers. */
async function askFromNewSession(gateway: string, text: string): Promise<{ status: number; body: { error?: string; message?: string }; retryAfter: string | null }> {
  const opened = await postJson(`${gateway}/playground/api/sessions`, {});
  const { session } = (await opened.json()) as { session: string };
  const question = { text, user: { staffId: 'visitor', nick: 'Visitor' }, chat: { type: 'private' } };
  const response = await postJson(`${gateway}/playground/api/sessions/${session}/questions`, question);
  return { status: response.status, body: (await response.json()) as { error?: string }, retryAfter: response.headers.get('retry-after') };
}

describe('the playground\'s limits of all sessions together', () => {
  it('answers the 4th question in a minute, with 3 a minute allowed, 429 playground_busy, whichever session and gateway sends it', async () => {
    const [a, b] = await twoGateways('playground-all-minute', { allQuestionsPerMinute: 3, allQuestionsPerDay: 100 });
    const answers = [await askFromNewSession(a!, 'one'), await askFromNewSession(b!, 'two'), await askFromNewSession(a!, 'three'), await askFromNewSession(b!, 'four')];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    const refused = answers[3]!;
    expect(refused.body).toMatchObject({ error: 'playground_busy', message: expect.stringMatching(/^the playground takes at most 3 questions a minute from all its visitors together; wait \d+ s$/) });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
  });

  it('answers the 4th question of the day, with 3 a day allowed, 429 playground_daily_limit until 00:00 UTC', async () => {
    const [a, b] = await twoGateways('playground-all-day', { allQuestionsPerMinute: 100, allQuestionsPerDay: 3 });
    const statuses = [];
    for (const [index, gateway] of [a!, b!, a!].entries()) statuses.push((await askFromNewSession(gateway, `day ${index}`)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await askFromNewSession(b!, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'playground_daily_limit', message: expect.stringContaining('it takes more after 00:00 UTC') });
    const untilMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000);
    expect(Math.abs(Number(refused.retryAfter) - untilMidnight)).toBeLessThanOrEqual(5);
  });
});
