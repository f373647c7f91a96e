import type { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueEvents } from './create-queue-events.js';
import { createQueueWorker, FETCH_LIMITER_MAX, type JobProcessor } from './create-queue-worker.js';
import { createQueue } from './create-queue.js';
import { failForGood, isParked, stayParked, stayPaused } from './job-fates.js';
import { parkJob, pauseQueues, wakeJob } from './park-job.js';
import { connectForTests, removePrefix, testPrefix } from '@dtbot/redis-test';

// Each fate told to a real BullMQ worker on real Redis, and where the job is afterwards.
const prefix = testPrefix('job-fates');
let redis: Redis;
const closing: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  redis = connectForTests();
});

afterAll(async () => {
  for (const close of closing.reverse()) await close();
  await removePrefix(redis, prefix);
  await redis.quit();
});

let queues = 0;

/** A queue of its own, its event stream from the start, and a running worker with `processor`. */
async function running(processor: JobProcessor<{ n: number }>): Promise<{ queue: Queue<{ n: number }>; events: QueueEvents; worker: Worker<{ n: number }> }> {
  queues += 1;
  const name = `fates-${queues}`;
  const queue = createQueue<{ n: number }>(name, { connection: redis, prefix });
  const events = createQueueEvents(name, { connection: redis.duplicate(), prefix, lastEventId: '0-0' });
  const worker = createQueueWorker<{ n: number }>(name, processor, { connection: redis.duplicate(), prefix, concurrency: 1, maxStalledCount: 1 });
  closing.push(() => queue.close(), () => events.close(), () => worker.close(true));
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  void worker.run();
  return { queue, events, worker };
}

/** Resolves when `event` has been seen `times` times for the job (counted from the stream's start). */
const seen = (events: QueueEvents, event: 'delayed' | 'failed' | 'waiting', jobId: string, times = 1) =>
  new Promise<void>((resolve) => {
    let count = 0;
    const listener = (args: { jobId: string }) => {
      if (args.jobId !== jobId || (count += 1) < times) return;
      events.off(event, listener);
      resolve();
    };
    events.on(event, listener);
  });

describe('isParked', () => {
  it('stayParked → parked; failForGood, stayPaused and a plain error → not parked', () => {
    expect(isParked(stayParked('waiting for its turn'))).toBe(true);
    expect([failForGood('no'), stayPaused(), new Error('model said no')].map(isParked)).toEqual([false, false, false]);
  });
});

describe('a job\'s fate, told by what the processor throws', () => {
  it('parkJob then stayParked → the job waits in the delayed set, no attempt counted, no failure', async () => {
    const { queue, events, worker } = await running(async (job, token) => {
      await parkJob(job, Date.now() + 60_000, token);
      throw stayParked('waiting for an earlier message');
    });
    let failures = 0;
    worker.on('failed', () => (failures += 1));
    const parked = seen(events, 'delayed', 'park-me');
    await queue.add('message', { n: 1 }, { jobId: 'park-me', attempts: 3 });
    await parked;
    const job = (await queue.getJob('park-me'))!;
    expect([await job.getState(), job.attemptsMade, failures]).toEqual(['delayed', 0, 0]);
  });

  it('wakeJob on a parked job → back to wait at once; on a missing or waiting job → nothing, no error', async () => {
    // No worker: the job stays where it is put.
    const queue = createQueue<{ n: number }>('fates-wake', { connection: redis, prefix });
    closing.push(() => queue.close());
    const parked = await queue.add('message', { n: 2 }, { jobId: 'sleeper', delay: 60_000 });
    await wakeJob(parked);
    expect(await queue.getJobState('sleeper')).toBe('waiting');
    await expect(wakeJob(undefined)).resolves.toBeUndefined();
    await expect(wakeJob((await queue.getJob('sleeper')) as Job)).resolves.toBeUndefined();
  });

  it('failForGood with attempts left → failed after the one attempt', async () => {
    const { queue, events } = await running(async () => {
      throw failForGood('job data does not match the message contract');
    });
    const failed = seen(events, 'failed', 'doomed');
    await queue.add('message', { n: 1 }, { jobId: 'doomed', attempts: 5 });
    await failed;
    const job = (await queue.getJob('doomed'))!;
    expect([await job.getState(), job.attemptsMade, job.failedReason]).toEqual(['failed', 1, 'job data does not match the message contract']);
  });

  it('pauseQueues then stayPaused → the job is handed back to wait, and the queue reports the pause', async () => {
    let taken = 0;
    const { queue, events } = await running(async () => {
      taken += 1;
      if (taken > 1) return new Promise<void>(() => undefined);
      await pauseQueues([queue], 30_000);
      throw stayPaused();
    });
    // The first 'waiting' is the add; the second is the hand-back.
    const handedBack = seen(events, 'waiting', 'limited', 2);
    await queue.add('message', { n: 1 }, { jobId: 'limited', attempts: 3 });
    await handedBack;
    const job = (await queue.getJob('limited'))!;
    expect([await job.getState(), job.attemptsMade, taken]).toEqual(['waiting', 0, 1]);
    expect(await queue.getRateLimitTtl(FETCH_LIMITER_MAX)).toBeGreaterThan(25_000);
  });
});
