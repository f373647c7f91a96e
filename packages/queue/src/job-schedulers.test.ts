import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue.js';
import { cronProblem, nextTickAfter, removeSchedule, scheduleTickOf, storedSchedule, upsertSchedule } from './job-schedulers.js';
import { connectForTests, removePrefix, testPrefix } from '@dtbot/redis-test';

// What the schedules rely on of BullMQ's job schedulers, checked with real jobs on a real Redis: one pending job per
// schedule, a tick named by its schedule and due time, a missed tick run once, and upsert/remove/read.

const prefix = testPrefix('job-schedulers');
let redis: Redis;
const closing: (() => Promise<unknown>)[] = [];
let queues = 0;

beforeAll(() => {
  redis = connectForTests();
});

afterAll(async () => {
  for (const close of closing.reverse()) await close();
  await removePrefix(redis, prefix);
  await redis.quit();
});

interface Tick {
  scheduleId: string;
}

function fixture() {
  queues += 1;
  const name = `schedules-${queues}`;
  const queue = createQueue<Tick>(name, { connection: redis, prefix });
  closing.push(() => queue.close());
  /** A worker that records each job it runs and the state of the queue at that moment. */
  const run = async (count: number) => {
    const seen: { job: Job<Tick>; delayedWhileRunning: number }[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const worker = new Worker<Tick>(
      name,
      async (job) => {
        seen.push({ job, delayedWhileRunning: await queue.getDelayedCount() });
        if (seen.length === count) done();
      },
      { connection: redis.duplicate(), prefix },
    );
    closing.push(() => worker.close());
    await all;
    await worker.close();
    return seen;
  };
  return { name, queue, run };
}

describe('cronProblem', () => {
  it.each([
    ['0 9 * * 1-5', 'Asia/Shanghai'],
    ['*/5 * * * *', 'UTC'],
    ['30 8 1,15 * *', 'Europe/Berlin'],
  ])('takes the five-field pattern %s', (pattern, timeZone) => {
    expect(cronProblem(pattern, timeZone)).toBeUndefined();
  });

  it.each([
    ['* * * * * *', /5 fields/],
    ['0 9 * *', /5 fields/],
    ['', /5 fields/],
    ['@daily', /5 fields/],
    ['61 * * * *', /./],
    ['0 25 * * *', /./],
    ['a b c d e', /./],
  ])('refuses %j with a reason', (pattern, reason) => {
    expect(cronProblem(pattern, 'UTC')).toMatch(reason);
  });
});

describe('nextTickAfter', () => {
  it('reads the pattern in the schedule\'s time zone', () => {
    const after = Date.UTC(2026, 0, 5, 0, 0); // Monday 08:00 in Shanghai
    expect(nextTickAfter({ pattern: '0 9 * * 1-5', timeZone: 'Asia/Shanghai' }, after)).toBe(Date.UTC(2026, 0, 5, 1, 0));
    expect(nextTickAfter({ pattern: '0 9 * * 1-5', timeZone: 'UTC' }, after)).toBe(Date.UTC(2026, 0, 5, 9, 0));
  });
});

describe('upsertSchedule, storedSchedule, removeSchedule', () => {
  it('stores one pending tick per schedule, due at the next tick, and reads the schedule back', async () => {
    const { queue } = fixture();
    const before = Date.now();
    await upsertSchedule(queue, 'daily', { pattern: '0 9 * * *', timeZone: 'Asia/Shanghai' }, 'tick', { scheduleId: 'daily' });
    // Upserting again (every worker does at start) keeps one pending tick.
    await upsertSchedule(queue, 'daily', { pattern: '0 9 * * *', timeZone: 'Asia/Shanghai' }, 'tick', { scheduleId: 'daily' });
    const delayed = await queue.getDelayed();
    expect(delayed).toHaveLength(1);
    const expected = nextTickAfter({ pattern: '0 9 * * *', timeZone: 'Asia/Shanghai' }, before);
    expect(scheduleTickOf(delayed[0]!)).toEqual({ scheduleId: 'daily', dueAt: expected });
    expect(await storedSchedule(queue, 'daily')).toEqual({
      id: 'daily',
      pattern: '0 9 * * *',
      timeZone: 'Asia/Shanghai',
      data: { scheduleId: 'daily' },
      nextAt: expected,
    });
  });

  it('a changed pattern replaces the pending tick', async () => {
    const { queue } = fixture();
    await upsertSchedule(queue, 's', { pattern: '0 9 * * *', timeZone: 'UTC' }, 'tick', { scheduleId: 's' });
    await upsertSchedule(queue, 's', { pattern: '0 18 * * *', timeZone: 'UTC' }, 'tick', { scheduleId: 's' });
    const delayed = await queue.getDelayed();
    expect(delayed).toHaveLength(1);
    expect(new Date(scheduleTickOf(delayed[0]!)!.dueAt).getUTCHours()).toBe(18);
  });

  it('remove drops the schedule and its pending tick; removing again says there was none', async () => {
    const { queue } = fixture();
    await upsertSchedule(queue, 'gone', { pattern: '* * * * *', timeZone: 'UTC' }, 'tick', { scheduleId: 'gone' });
    expect(await removeSchedule(queue, 'gone')).toBe(true);
    expect(await queue.getDelayedCount()).toBe(0);
    expect(await storedSchedule(queue, 'gone')).toBeUndefined();
    expect(await removeSchedule(queue, 'gone')).toBe(false);
  });

  it('refuses a bad pattern before BullMQ stores anything', async () => {
    const { queue } = fixture();
    await expect(upsertSchedule(queue, 'bad', { pattern: '* * * * * *', timeZone: 'UTC' }, 'tick', { scheduleId: 'bad' })).rejects.toThrow(/5 fields/);
    expect(await queue.getJobSchedulersCount()).toBe(0);
  });

  it('a job no scheduler made is no tick', async () => {
    const { queue } = fixture();
    const job = await queue.add('plain', { scheduleId: 'x' });
    expect(scheduleTickOf(job)).toBeUndefined();
  });
});

describe('a tick missed while no worker ran', () => {
  it('runs once when a worker starts, and the next tick is the first one after that moment', async () => {
    const { queue, run } = fixture();
    await upsertSchedule(queue, 'missed', { pattern: '* * * * *', timeZone: 'UTC' }, 'tick', { scheduleId: 'missed' });
    // The pending tick's time comes while nothing runs: it is due, as it would be after any length of outage.
    const [pending] = await queue.getDelayed();
    await pending!.promote();
    const started = Date.now();
    const [taken] = await run(1);
    expect(taken!.job.id).toBe(pending!.id);
    // BullMQ made the next tick when the worker took this one: one job, due after the restart, not a backlog.
    const delayed = await queue.getDelayed();
    expect(delayed).toHaveLength(1);
    expect(taken!.delayedWhileRunning).toBe(1);
    const next = scheduleTickOf(delayed[0]!)!;
    expect(next.dueAt).toBe(nextTickAfter({ pattern: '* * * * *', timeZone: 'UTC' }, Math.max(started, scheduleTickOf(pending!)!.dueAt)));
    expect(next.dueAt).toBeGreaterThan(started);
    expect(await queue.getWaitingCount()).toBe(0);
  });
});
