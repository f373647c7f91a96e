import { createQueue, createQueueWorker, type Job, type Queue, type Worker } from '@dtbot/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedisServer } from '@dtbot/redis-server';
import { queueShards, type QueueShard } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests, waitFor } from '@dtbot/testkit';
import { createGatewayMetrics } from '../src/metrics.js';
import { QueueStateCache } from '../src/queue-state/queue-state-cache.js';

// Real BullMQ on a real Redis: jobs put in every state an operator watches, then read as Prometheus text.
const prefix = createTestPrefix('queue-gauges');
const [shard] = queueShards(prefix, 1) as [QueueShard];
let redis: Redis;
let queue: Queue;
let worker: Worker;
let release: () => void;
const held = new Promise<void>((resolve) => {
  release = resolve;
});

/** The value of one series in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  redis = new Redis(redisUrlForTests(), { maxRetriesPerRequest: null });
  queue = createQueue('messages', { connection: redis, prefix });
  worker = createQueueWorker(
    'messages',
    async (job: Job) => {
      if (job.name === 'hold') await held;
      if (job.name === 'fail') throw new Error('model said no');
    },
    // One slot: while 'hold' runs, every later job stays where it was put.
    { connection: redis.duplicate(), prefix, concurrency: 1, maxStalledCount: 1 },
  );
  await worker.waitUntilReady();
  void worker.run();
  await queue.add('ok', {});
  await queue.add('fail', {}, { attempts: 1 });
  await queue.add('hold', {});
  await waitFor(async () => {
    const counts = await queue.getJobCounts('completed', 'failed', 'active');
    return counts.completed === 1 && counts.failed === 1 && counts.active === 1;
  });
  await queue.add('first question', {}, { timestamp: Date.now() - 90_000 });
  await queue.add('second question', {});
  await queue.add('later question', {}, { priority: 3 });
  // A normal-lane question: prioritized (at a higher level than the one above), and the oldest of all.
  await queue.add('normal-lane question', {}, { priority: 1_048_577, timestamp: Date.now() - 150_000 });
  await queue.add('parked', {}, { delay: 60_000 });
});

afterAll(async () => {
  release();
  await worker?.close();
  await queue?.close();
  await cleanupPrefix(redis, prefix);
  redis?.disconnect();
});

describe('queue gauges', () => {
  it('show the jobs by state, the oldest waiting job\'s age, the connected workers and Redis up', async () => {
    const metrics = createGatewayMetrics(new QueueStateCache([{ shard, queue }]));
    const text = await metrics.registry.metrics();
    const expected = { waiting: 2, prioritized: 2, delayed: 1, active: 1, completed: 1, failed: 1 };
    for (const [state, count] of Object.entries(expected)) {
      expect(sample(text, `dtbot_queue_jobs{queue="messages",shard="0",state="${state}"}`), state).toBe(count);
    }
    const oldest = sample(text, 'dtbot_queue_oldest_waiting_seconds{queue="messages",shard="0"}')!;
    expect(oldest).toBeGreaterThanOrEqual(150);
    expect(oldest).toBeLessThan(180);
    expect(sample(text, 'dtbot_queue_workers{queue="messages",shard="0"}')).toBe(1);
    expect(sample(text, 'dtbot_redis_up')).toBe(1);
  });

  it('reads BullMQ once per few seconds however often it is scraped, and once at a time', async () => {
    let now = Date.now();
    const cache = new QueueStateCache([{ shard, queue }], { maxAgeMs: 5000, now: () => now });
    const metrics = createGatewayMetrics(cache);
    const reads = vi.spyOn(queue, 'getJobCounts');
    try {
      // Two scrapers at once, four gauges each: one read.
      await Promise.all([metrics.registry.metrics(), metrics.registry.metrics()]);
      expect(reads).toHaveBeenCalledTimes(1);

      const added = await queue.add('one more', {});
      now += 4000;
      expect(sample(await metrics.registry.metrics(), 'dtbot_queue_jobs{queue="messages",shard="0",state="waiting"}')).toBe(2);
      expect(reads).toHaveBeenCalledTimes(1);
      now += 1000;
      expect(sample(await metrics.registry.metrics(), 'dtbot_queue_jobs{queue="messages",shard="0",state="waiting"}')).toBe(3);
      expect(reads).toHaveBeenCalledTimes(2);
      await added.remove();
    } finally {
      reads.mockRestore();
    }
  });

  it('shows each queue shard as series of its own', async () => {
    const shardedPrefix = createTestPrefix('queue-gauges-shards');
    const shards = queueShards(shardedPrefix, 3).map((each) => ({ shard: each, queue: createQueue('messages', { connection: redis, prefix: each.prefix }) }));
    try {
      await shards[1]!.queue.add('question', {});
      await shards[2]!.queue.add('question', {});
      await shards[2]!.queue.add('later question', {}, { priority: 2 });
      const text = await createGatewayMetrics(new QueueStateCache(shards)).registry.metrics();
      expect([0, 1, 2].map((index) => sample(text, `dtbot_queue_jobs{queue="messages",shard="${index}",state="waiting"}`))).toEqual([0, 1, 1]);
      expect([0, 1, 2].map((index) => sample(text, `dtbot_queue_jobs{queue="messages",shard="${index}",state="prioritized"}`))).toEqual([0, 0, 1]);
      expect(sample(text, 'dtbot_queue_oldest_waiting_seconds{queue="messages",shard="0"}')).toBe(0);
      expect(sample(text, 'dtbot_queue_oldest_waiting_seconds{queue="messages",shard="2"}')).toBeGreaterThanOrEqual(0);
    } finally {
      for (const { shard: each, queue: shardQueue } of shards) {
        await shardQueue.close();
        await cleanupPrefix(redis, each.prefix);
      }
    }
  });

  it('says Redis is down and drops the queue series when Redis does not answer in time', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: null });
    const stuck = createQueue('messages', { connection: client, prefix });
    try {
      await stuck.waitUntilReady();
      const metrics = createGatewayMetrics(new QueueStateCache([{ shard, queue: stuck }], { timeoutMs: 200 }));
      server.pause();
      const text = await metrics.registry.metrics();
      expect(sample(text, 'dtbot_redis_up')).toBe(0);
      expect(text).not.toContain('dtbot_queue_jobs{');
      expect(text).not.toContain('dtbot_queue_oldest_waiting_seconds{');
    } finally {
      server.resume();
      await stuck.close();
      client.disconnect();
      await server.stop();
    }
  });
});
