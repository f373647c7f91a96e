import { createQueue, createQueueEvents, createQueueWorker, failForGood, messageJobOptions } from '@dtbot/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';

// The gateway's job options on a real BullMQ queue, with a small count injected so that trimming shows.
const prefix = createTestPrefix('job-retention');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrlForTests(), { maxRetriesPerRequest: null });
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

describe('job retention', () => {
  it('7 jobs fail with a count of 3 kept: the failed set holds the newest 3 and the older jobs are gone', async () => {
    const options = messageJobOptions(1, { completed: { age: 3600, count: 3 }, failed: { age: 86_400, count: 3 } });
    const queue = createQueue<{ msgId: string }>('messages', { connection: redis, prefix, defaultJobOptions: options });
    const events = createQueueEvents('messages', { connection: redis.duplicate(), prefix });
    await events.waitUntilReady();
    const worker = createQueueWorker('messages', async () => Promise.reject(failForGood('DingTalk refused')), {
      connection: redis.duplicate(),
      prefix,
      concurrency: 1,
      maxStalledCount: 1,
    });
    try {
      const jobs = [];
      for (let n = 0; n < 7; n += 1) jobs.push(await queue.add('message', { msgId: `m-${n}` }));
      const allFailed = new Promise<void>((resolve) => {
        let failed = 0;
        events.on('failed', () => (failed += 1) === jobs.length && resolve());
      });
      void worker.run();
      await allFailed;
      const kept = await queue.getFailed();
      expect(kept.map((job) => job.data.msgId).sort()).toEqual(['m-4', 'm-5', 'm-6']);
      expect(await queue.getJob(jobs[0]!.id!)).toBeUndefined();
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });
});
