import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue.js';
import { QueuePosition } from './queue-position.js';
import { connectForTests, removePrefix, testPrefix } from '@dtbot/redis-test';

// A real BullMQ queue on real Redis, no worker: the jobs stay where they were put.
const prefix = testPrefix('queue-position');
let redis: Redis;
let queue: Queue<{ prompt: string }>;
let positions: QueuePosition;

beforeAll(() => {
  redis = connectForTests();
  queue = createQueue<{ prompt: string }>('messages', { connection: redis, prefix });
  positions = new QueuePosition(redis, queue);
});

afterAll(async () => {
  await queue.close();
  await removePrefix(redis, prefix);
  await redis.quit();
});

const add = (id: string, options: { priority?: number; delay?: number } = {}) =>
  queue.add('message', { prompt: id }, { jobId: id, ...options });
const ahead = async (id: string) => {
  const job = (await queue.getJob(id))!;
  return (await positions.of(job, await job.getState()))?.ahead;
};

describe('QueuePosition', () => {
  it('counts what BullMQ serves first: the plain wait list in arrival order, then prioritized jobs by priority', async () => {
    await add('p5-a', { priority: 5 });
    await add('w1');
    await add('p3', { priority: 3 });
    await add('w2');
    await add('p5-b', { priority: 5 });
    expect(await Promise.all(['w1', 'w2', 'p3', 'p5-a', 'p5-b'].map(ahead))).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts, for a job in the delayed set, what will be ahead of it when it comes back with its priority', async () => {
    await add('d3', { priority: 3, delay: 60_000 });
    await add('d-plain', { delay: 60_000 });
    // Ahead of d3: w1, w2, p3 (same priority, earlier); ahead of the plain one: the wait list only.
    expect(await Promise.all(['d3', 'd-plain'].map(ahead))).toEqual([3, 2]);
  });

  it('has no answer for a job that is not waiting, or not where its state said', async () => {
    const job = (await queue.getJob('w1'))!;
    expect(await positions.of(job, 'active')).toBeUndefined();
    expect(await positions.of(job, 'prioritized')).toBeUndefined();
  });

  it('says when, by Redis\' clock, the count was true', async () => {
    const before = Date.now();
    const place = await positions.of((await queue.getJob('w2'))!, 'waiting');
    expect(place?.ahead).toBe(1);
    // The same machine's clock: within the call.
    expect(place!.countedAt).toBeGreaterThanOrEqual(before - 1);
    expect(place!.countedAt).toBeLessThanOrEqual(Date.now() + 1);
  });
});
