import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQueue, createQueueWorker, failForGood, type Queue } from '@dtbot/queue';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueShards, redisKeys, type QueueShard } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests, startPausableTcpProxy, waitFor } from '@dtbot/testkit';
import { AuthFailures } from '../src/dashboard/auth-failures.js';
import { buildDashboard, type DashboardOptions } from '../src/dashboard/build-dashboard.js';
import { buildDashboardApp } from '../src/dashboard/dashboard-app.js';

// Bull Board behind our guards, in-process, on a real Redis and real BullMQ jobs.
const prefix = createTestPrefix('dashboard');
const keys = redisKeys(prefix);
const [shard] = queueShards(prefix, 1) as [QueueShard];
const USER = 'operator';
const PASSWORD = 'correct horse battery';
const TOKEN = 'c0ffee-session-token';
let redis: Redis;
let queue: Queue;
let failedJobId: string;
const servers: Server[] = [];

// The tests connect from 127.0.0.1, a proxy's address, so each can speak from addresses of its own through
// X-Forwarded-For, as clients behind a reverse proxy do.
async function serve(
  options: { readOnly?: boolean; queues?: DashboardOptions['queues']; maxFailures?: number; failuresRedis?: Redis } = {},
): Promise<string> {
  const dashboard = buildDashboard({
    queues: options.queues ?? [{ shard, queue }],
    username: USER,
    password: PASSWORD,
    readOnly: options.readOnly ?? false,
    failures: new AuthFailures(options.failuresRedis ?? redis, keys.dashboardAuthFailures, { maxFailures: options.maxFailures ?? 3, windowSeconds: 60 }),
  });
  const app = buildDashboardApp(dashboard);
  const server = createServer(app.callback()).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const asOperator = (address = '10.0.0.1') => ({ authorization: basic(USER, PASSWORD), 'x-forwarded-for': address });

beforeAll(async () => {
  redis = new Redis(redisUrlForTests(), { maxRetriesPerRequest: null });
  queue = createQueue('messages', { connection: redis, prefix });
  const worker = createQueueWorker(
    'messages',
    async () => {
      throw failForGood(`POST https://oapi.dingtalk.com/robot/sendBySession?session=${TOKEN} answered 500`);
    },
    { connection: redis.duplicate(), prefix, concurrency: 1, maxStalledCount: 1 },
  );
  void worker.run();
  const job = await queue.add(
    'message',
    { msgId: 'msg-1', prompt: 'hello', sessionWebhook: `https://oapi.dingtalk.com/robot/sendBySession?session=${TOKEN}` },
    { attempts: 1 },
  );
  failedJobId = job.id!;
  await waitFor(async () => (await queue.getJobState(failedJobId)) === 'failed');
  await worker.close();
});

afterAll(async () => {
  for (const server of servers) server.close();
  await queue?.close();
  await cleanupPrefix(redis, prefix);
  redis?.disconnect();
});

describe('queue dashboard', () => {
  it('refuses a request without credentials with 401 and a Basic challenge, showing nothing of the queue', async () => {
    const base = await serve();
    for (const path of ['', '/api/queues']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="dtbot dashboard", charset="UTF-8"');
      const body = await response.text();
      expect(body).not.toContain('msg-1');
      expect(JSON.parse(body)).toEqual({ error: 'unauthorized', message: 'log in with the dashboard user name and password' });
    }
  });

  it('serves Bull Board to the operator, with the failed job and its data, the session token masked everywhere', async () => {
    const base = await serve();
    const page = await fetch(base, { headers: asOperator() });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/" />');
    const script = /src="(static\/js\/main\.[^"]+)"/.exec(html)![1]!;
    expect((await fetch(`${base}/${script}`, { headers: asOperator() })).status).toBe(200);
    expect((await fetch(`${base}/${script}`)).status).toBe(401);

    const list = await fetch(`${base}/api/queues?activeQueue=messages&status=failed&page=1&jobsPerPage=10`, { headers: asOperator() });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).toContain('msg-1');
    expect(text).toContain('https://oapi.dingtalk.com/robot/sendBySession?session=***');
    expect(text).not.toContain(TOKEN);
    const detail = await fetch(`${base}/api/queues/messages/${failedJobId}`, { headers: asOperator() });
    expect(await detail.text()).not.toContain(TOKEN);
  });

  it('lets the operator retry a failed job, and remove one', async () => {
    const base = await serve();
    const retried = await fetch(`${base}/api/queues/messages/${failedJobId}/retry`, { method: 'PUT', headers: asOperator() });
    expect(retried.status).toBe(204);
    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(failedJobId));

    const doomed = await queue.add('message', { msgId: 'msg-2' }, { delay: 60_000 });
    const removed = await fetch(`${base}/api/queues/messages/${doomed.id}/clean`, { method: 'PUT', headers: asOperator() });
    expect(removed.status).toBe(204);
    expect(await queue.getJob(doomed.id!)).toBeUndefined();
  });

  it.each([
    ['POST', '/api/queues/messages/add'],
    ['PUT', '/api/queues/messages/obliterate'],
    ['PUT', '/api/queues/messages/empty'],
    ['PUT', '/api/queues/messages/rate-limit'],
    ['PUT', '/api/queues/messages/concurrency'],
    ['PATCH', '/api/queues/messages/JOB/update-data'],
  ])('refuses %s %s with 403 before it reaches BullMQ', async (method, path) => {
    const base = await serve();
    const before = await queue.getJobCounts();
    const response = await fetch(`${base}${path.replace('JOB', failedJobId)}`, {
      method,
      headers: { ...asOperator(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'message', data: { msgId: 'injected' }, concurrency: 1, max: 1, duration: 1000 }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'action_not_allowed' });
    expect(await queue.getJobCounts()).toEqual(before);
  });

  it('read-only: the board says so, and a retry is refused by Bull Board itself', async () => {
    const base = await serve({ readOnly: true });
    const job = await queue.add('message', { msgId: 'msg-3' }, { delay: 60_000 });
    const list = (await (await fetch(`${base}/api/queues`, { headers: asOperator() })).json()) as { queues: { readOnlyMode: boolean; allowRetries: boolean }[] };
    expect(list.queues[0]).toMatchObject({ readOnlyMode: true, allowRetries: false });
    const promoted = await fetch(`${base}/api/queues/messages/${job.id}/promote`, { method: 'PUT', headers: asOperator() });
    expect(promoted.status).toBe(405);
    expect(await queue.getJobState(job.id!)).toBe('delayed');
    await job.remove();
  });

  it('locks an address out after repeated failures, on every replica, while other addresses still log in', async () => {
    const [replicaA, replicaB] = [await serve(), await serve()];
    const attacker = '203.0.113.9';
    const wrong = { authorization: basic(USER, 'guess'), 'x-forwarded-for': attacker };
    expect((await fetch(replicaA, { headers: wrong })).status).toBe(401);
    expect((await fetch(replicaB, { headers: wrong })).status).toBe(401);
    const third = await fetch(replicaA, { headers: wrong });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    // Locked: even the right password is not looked at.
    const right = await fetch(replicaB, { headers: asOperator(attacker) });
    expect(right.status).toBe(429);
    expect(await right.json()).toMatchObject({ error: 'too_many_failures' });
    // The address is the one the nearest proxy saw (the last entry): a client cannot pick a new one per guess.
    expect((await fetch(replicaA, { headers: { ...asOperator(), 'x-forwarded-for': `198.51.100.7, ${attacker}` } })).status).toBe(429);
    expect((await fetch(replicaA, { headers: asOperator('10.0.0.2') })).status).toBe(200);
  });

  /**
   * Sends the requests while the lockout's Redis is held, and lets Redis answer only once the server has taken every
   * one of them in: on a real network each guess of a burst is in flight before the first count comes back, and on
   * 127.0.0.1 it would not be.
   */
  async function sendHeldBurst(headerSets: Record<string, string>[], path = ''): Promise<Response[]> {
    const target = new URL(redisUrlForTests());
    const proxy = await startPausableTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const failuresRedis = new Redis(proxy.through(redisUrlForTests()), { maxRetriesPerRequest: null });
    try {
      await failuresRedis.ping();
      const base = await serve({ maxFailures: 5, failuresRedis });
      const allTaken = new Promise<void>((resolve) => {
        let taken = 0;
        servers.at(-1)!.on('request', () => (taken += 1) === headerSets.length && resolve());
      });
      proxy.pause();
      const answers = Promise.all(headerSets.map((headers) => fetch(`${base}${path}`, { headers })));
      await allTaken;
      proxy.resume();
      return await answers;
    } finally {
      failuresRedis.disconnect();
      await proxy.close();
    }
  }

  it('20 wrong guesses in flight at once from one address: the outcome of 5 is told, 15 get 429 unjudged, then the right password gets 429', async () => {
    const attacker = '203.0.113.20';
    const answers = await sendHeldBurst(Array.from({ length: 20 }, (_, n) => ({ authorization: basic(USER, `guess-${n}`), 'x-forwarded-for': attacker })));
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as { message: string }[];
    expect(bodies.filter((body) => body.message === 'wrong user name or password').length).toBe(5);
    expect(answers.filter((answer) => answer.status === 401).length).toBe(4);
    expect(answers.filter((answer) => answer.status === 429).length).toBe(16);
    expect(await redis.get(keys.dashboardAuthFailures(attacker))).toBe('5');
    const right = await fetch(await serve({ maxFailures: 5 }), { headers: asOperator(attacker) });
    expect(right.status).toBe(429);
    expect(await right.json()).toMatchObject({ error: 'too_many_failures' });
  });

  it('10 right logins in flight at once from one address all get in: a burst of the browser\'s own requests is no attack', async () => {
    const answers = await sendHeldBurst(Array.from({ length: 10 }, () => asOperator('10.0.0.20')), '/api/queues');
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 200));
  });

  it('from a proxy\'s address (127.0.0.1) naming no usable client, counts the connection\'s own; a client it names is judged apart', async () => {
    await redis.del(keys.dashboardAuthFailures('127.0.0.1'));
    const base = await serve();
    const guess = (n: number, forwarded?: string) =>
      fetch(base, { headers: { authorization: basic(USER, `guess-${n}`), ...(forwarded === undefined ? {} : { 'x-forwarded-for': forwarded }) } });
    expect((await guess(1)).status).toBe(401);
    expect((await guess(2, 'unknown')).status).toBe(401);
    expect((await guess(3, '192.0.2.1, not-an-address')).status).toBe(429);
    expect(await redis.get(keys.dashboardAuthFailures('192.0.2.1'))).toBeNull();
    expect((await fetch(base, { headers: { authorization: basic(USER, PASSWORD) } })).status).toBe(429);
    expect((await fetch(base, { headers: asOperator('192.0.2.99') })).status).toBe(200);
    await redis.del(keys.dashboardAuthFailures('127.0.0.1'));
  });

  it('a wrong user name with the right password is refused like any wrong pair', async () => {
    const base = await serve();
    const response = await fetch(base, { headers: { authorization: basic('admin', PASSWORD), 'x-forwarded-for': '10.0.0.3' } });
    expect(response.status).toBe(401);
  });

  it('shows each queue shard as a queue of its own, and acts on the one named', async () => {
    const shardedPrefix = createTestPrefix('dashboard-shards');
    const shards = queueShards(shardedPrefix, 3).map((each) => ({ shard: each, queue: createQueue('messages', { connection: redis, prefix: each.prefix }) }));
    try {
      const parked = await shards[2]!.queue.add('message', { msgId: 'in-shard-2' }, { delay: 60_000 });
      const base = await serve({ queues: shards });
      const listed = (await (await fetch(`${base}/api/queues`, { headers: asOperator() })).json()) as {
        queues: { name: string; displayName: string; description: string; counts: Record<string, number> }[];
      };
      expect(listed.queues.map((each) => [each.name, each.displayName])).toEqual([
        ['shard-0.messages', 'messages · shard 0 of 3'],
        ['shard-1.messages', 'messages · shard 1 of 3'],
        ['shard-2.messages', 'messages · shard 2 of 3'],
      ]);
      expect(listed.queues.map((each) => each.description)).toEqual(shards.map(({ shard: each }) => `Redis prefix ${each.prefix}, hash slot ${each.slot}`));
      expect(listed.queues.map((each) => each.counts.delayed)).toEqual([0, 0, 1]);

      const promoted = await fetch(`${base}/api/queues/shard-2.messages/${parked.id}/promote`, { method: 'PUT', headers: asOperator() });
      expect(promoted.status).toBe(204);
      expect(await shards[2]!.queue.getJobState(parked.id!)).toBe('waiting');
    } finally {
      for (const { shard: each, queue: shardQueue } of shards) {
        await shardQueue.close();
        await cleanupPrefix(redis, each.prefix);
      }
    }
  });

  it('on its own port it serves only the dashboard', async () => {
    const base = await serve();
    const other = await fetch(base.replace('/admin/queues', '/dingtalk/callback'), { method: 'POST' });
    expect(other.status).toBe(404);
  });

  it('in front of other routes it passes every other path through untouched', async () => {
    const app = new Koa();
    app.use(buildDashboard({ queues: [{ shard, queue }], username: USER, password: PASSWORD, readOnly: false, failures: new AuthFailures(redis, keys.dashboardAuthFailures) }));
    app.use((ctx) => {
      ctx.body = { path: ctx.path };
    });
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queuesX`);
    expect(await response.json()).toEqual({ path: '/admin/queuesX' });
  });
});
