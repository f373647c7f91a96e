import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADD_QUEUE_JOB_LUA, encodedJobOptions, queueJobKeys } from './add-job-lua.js';
import { createQueue } from './create-queue.js';
import { messageJobOptions } from './job-options.js';
import { isFirstStart } from './first-start.js';
import { jobIdFor, jobIdLua } from './job-id.js';
import { oldestPrioritizedTimestamp } from './oldest-prioritized.js';
import { MAX_JOB_PRIORITY, PRIORITY_SCORE_STEP } from './priorities.js';
import { QueuePosition } from './queue-position.js';
import { connectForTests, removePrefix, testPrefix } from '@dtbot/redis-test';

// The contract between this package and BullMQ's internals: what our scripts read of BullMQ's keys, and the
// limits our job ids and priorities must keep. Every check runs real jobs through the installed BullMQ on a real
// Redis. A BullMQ upgrade must pass this file first; docs/upgrading-bullmq.md says what to do when it does not.

/** The BullMQ version these checks were last read against, line by line, with BullMQ's own sources. */
const CHECKED_BULLMQ_VERSION = '6.7.0';
const UPGRADE_DOC = 'docs/upgrading-bullmq.md';

const prefix = testPrefix('bullmq-contract');
let redis: Redis;
const closing: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  redis = connectForTests();
});

afterAll(async () => {
  for (const close of closing) await close();
  await removePrefix(redis, prefix);
  await redis.quit();
});

interface Fixture {
  name: string;
  queue: Queue<{ n: number }>;
  /** Takes every job it can, one by one, in the order BullMQ serves them. */
  takeAll(): Promise<string[]>;
}

let queues = 0;

/** A queue of its own for each check, so each reads only its own jobs. */
async function fixture(): Promise<Fixture> {
  queues += 1;
  const name = `messages-${queues}`;
  const queue = createQueue<{ n: number }>(name, { connection: redis, prefix });
  // No processor: jobs are taken with `getNextJob`, as a running worker would take them.
  const fetcher = new Worker<{ n: number }>(name, null, { connection: redis.duplicate(), prefix });
  closing.push(() => fetcher.close(), () => queue.close());
  await fetcher.waitUntilReady();
  const takeAll = async () => {
    const taken: string[] = [];
    for (;;) {
      const job: Job | undefined = await fetcher.getNextJob('contract-token', { block: false });
      if (!job) return taken;
      taken.push(job.id!);
    }
  };
  return { name, queue, takeAll };
}

describe('the installed BullMQ', () => {
  it(`is ${CHECKED_BULLMQ_VERSION}, the version this contract was checked against`, () => {
    const manifest = createRequire(import.meta.url).resolve('bullmq/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    expect(
      version,
      `BullMQ is ${version}, this contract was checked against ${CHECKED_BULLMQ_VERSION}: follow ${UPGRADE_DOC}, then update CHECKED_BULLMQ_VERSION`,
    ).toBe(CHECKED_BULLMQ_VERSION);
  });
});

describe('BullMQ keys our scripts read', () => {
  it('a plain job → pushed on the left of `<prefix>:<name>:wait`, its hash at `<prefix>:<name>:<id>` with its add time', async () => {
    const { name, queue } = await fixture();
    const first = await queue.add('message', { n: 1 }, { jobId: jobIdFor('conv', 1) });
    const second = await queue.add('message', { n: 2 }, { jobId: jobIdFor('conv', 2) });
    expect(queue.toKey('wait')).toBe(`${prefix}:${name}:wait`);
    expect(await redis.lrange(`${prefix}:${name}:wait`, 0, -1)).toEqual([second.id, first.id]);
    expect(queue.toKey(first.id!)).toBe(`${prefix}:${name}:${first.id}`);
    expect(Number(await redis.hget(`${prefix}:${name}:${first.id}`, 'timestamp'))).toBe(first.timestamp);
  });

  it('prioritized jobs → in `<prefix>:<name>:prioritized`, scored priority * PRIORITY_SCORE_STEP + an arrival counter', async () => {
    const { name, queue } = await fixture();
    const jobs = [
      await queue.add('message', { n: 1 }, { jobId: 'p7-a', priority: 7 }),
      await queue.add('message', { n: 2 }, { jobId: 'p3', priority: 3 }),
      await queue.add('message', { n: 3 }, { jobId: 'p7-b', priority: 7 }),
    ];
    expect(queue.toKey('prioritized')).toBe(`${prefix}:${name}:prioritized`);
    const scores = await Promise.all(jobs.map(async (job) => Number(await redis.zscore(`${prefix}:${name}:prioritized`, job.id!))));
    const [levels, counters] = [scores.map((score) => Math.floor(score / PRIORITY_SCORE_STEP)), scores.map((score) => score % PRIORITY_SCORE_STEP)];
    expect(levels).toEqual([7, 3, 7]);
    // One counter for the whole queue, counting up in arrival order.
    expect(counters[1]).toBe(counters[0]! + 1);
    expect(counters[2]).toBe(counters[1]! + 1);
  });

  it('a taken job → moved to `<prefix>:<name>:active`, out of the wait list and the prioritized set', async () => {
    const { name, queue, takeAll } = await fixture();
    // Not 'prioritized' as an id: a job's hash would be the prioritized set's key (jobIdFor's ids never are).
    await queue.add('message', { n: 1 }, { jobId: 'plain-job' });
    await queue.add('message', { n: 2 }, { jobId: 'prioritized-job', priority: 2 });
    expect(await takeAll()).toEqual(['plain-job', 'prioritized-job']);
    expect((await redis.lrange(`${prefix}:${name}:active`, 0, -1)).sort()).toEqual(['plain-job', 'prioritized-job']);
    expect(await redis.llen(`${prefix}:${name}:wait`)).toBe(0);
    expect(await redis.zcard(`${prefix}:${name}:prioritized`)).toBe(0);
  });

  it('every take of a job → counted in its `attemptsStarted`: parked and taken again, failed and retried, taken over after a stall', async () => {
    const { name, queue } = await fixture();
    const worker = new Worker<{ n: number }>(name, null, { connection: redis.duplicate(), prefix, stalledInterval: 60_000 });
    closing.push(() => worker.close());
    await worker.waitUntilReady();
    const take = async () => (await worker.getNextJob('contract-token', { block: false }))!;
    await queue.add('message', { n: 1 }, { jobId: 'started-job', attempts: 2 });
    const first = await take();
    expect([first.attemptsStarted, first.attemptsMade, first.stalledCounter, isFirstStart(first)]).toEqual([1, 0, 0, true]);
    // Parked (as a job waiting for its turn is) and woken: no attempt counted, but a second take.
    await first.moveToDelayed(Date.now() + 60_000, 'contract-token');
    await first.promote();
    const woken = await take();
    expect([woken.attemptsStarted, woken.attemptsMade, isFirstStart(woken)]).toEqual([2, 0, false]);
    // A failed attempt, tried again; then failed for good and retried by an operator (the dashboard's retry).
    await woken.moveToFailed(new Error('boom'), 'contract-token', true);
    const again = await take();
    expect([again.attemptsStarted, again.attemptsMade, isFirstStart(again)]).toEqual([3, 1, false]);
    await again.moveToFailed(new Error('boom'), 'contract-token', true);
    await (await queue.getJob('started-job'))!.retry('failed');
    const retried = await take();
    expect([retried.attemptsStarted, isFirstStart(retried)]).toEqual([4, false]);
    // Its lock lost (a crashed worker): the stall check hands it back, and the next take counts.
    await redis.del(`${prefix}:${name}:started-job:lock`);
    await redis.sadd(`${prefix}:${name}:stalled`, 'started-job');
    await worker.startStalledCheckTimer();
    const takenOver = await take();
    expect([takenOver.attemptsStarted, takenOver.stalledCounter, isFirstStart(takenOver)]).toEqual([5, 1, false]);
  });
});

describe('our scripts against the order BullMQ serves', () => {
  it('jobs of every kind, mixed → QueuePosition counts ahead of each exactly the jobs BullMQ then serves before it', async () => {
    const { queue, takeAll } = await fixture();
    const positions = new QueuePosition(redis, queue);
    const added = [
      await queue.add('message', { n: 1 }, { jobId: 'p5-a', priority: 5 }),
      await queue.add('message', { n: 2 }, { jobId: 'w1' }),
      await queue.add('message', { n: 3 }, { jobId: 'p2', priority: 2 }),
      await queue.add('message', { n: 4 }, { jobId: 'w2' }),
      await queue.add('message', { n: 5 }, { jobId: 'p5-b', priority: 5 }),
      await queue.add('message', { n: 6 }, { jobId: 'p1', priority: 1 }),
    ];
    const ahead = await Promise.all(added.map(async (job) => (await positions.of(job, await job.getState()))!.ahead));
    const byCount = added.map((job, index) => ({ id: job.id!, ahead: ahead[index]! })).sort((a, b) => a.ahead - b.ahead);
    expect(byCount.map(({ ahead: count }) => count)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await takeAll()).toEqual(byCount.map(({ id }) => id));
  });

  it('a delayed job with a priority, promoted → served behind the jobs QueuePosition counted ahead of it while it was delayed', async () => {
    const { queue, takeAll } = await fixture();
    const positions = new QueuePosition(redis, queue);
    await queue.add('message', { n: 1 }, { jobId: 'w1' });
    await queue.add('message', { n: 2 }, { jobId: 'p3', priority: 3 });
    await queue.add('message', { n: 3 }, { jobId: 'p9', priority: 9 });
    const delayed = await queue.add('message', { n: 4 }, { jobId: 'd3', priority: 3, delay: 60_000 });
    expect(await delayed.getState()).toBe('delayed');
    const counted = (await positions.of(delayed, 'delayed'))!.ahead;
    await delayed.promote();
    const served = await takeAll();
    expect(served.indexOf('d3')).toBe(counted);
    expect(served).toEqual(['w1', 'p3', 'd3', 'p9']);
  });

  it('prioritized jobs at several levels → oldestPrioritizedTimestamp is the add time of the oldest of them', async () => {
    const { queue } = await fixture();
    expect(await oldestPrioritizedTimestamp(queue)).toBeUndefined();
    const oldest = await queue.add('message', { n: 1 }, { jobId: 'old', priority: 9, timestamp: Date.now() - 60_000 });
    await queue.add('message', { n: 2 }, { jobId: 'new', priority: 2 });
    await queue.add('message', { n: 3 }, { jobId: 'newer', priority: 9 });
    expect(await oldestPrioritizedTimestamp(queue)).toBe(oldest.timestamp);
  });
});

describe('the limits our ids and priorities keep', () => {
  it('MAX_JOB_PRIORITY → accepted as a priority; one above it → refused', async () => {
    const { queue } = await fixture();
    await expect(queue.add('message', { n: 1 }, { jobId: 'lowest', priority: MAX_JOB_PRIORITY })).resolves.toBeDefined();
    await expect(queue.add('message', { n: 2 }, { jobId: 'too-low', priority: MAX_JOB_PRIORITY + 1 })).rejects.toThrow(/Priority/);
  });

  it('the highest score of MAX_JOB_PRIORITY → an exact double, so the scripts compare scores exactly', () => {
    expect(Number.isSafeInteger((MAX_JOB_PRIORITY + 1) * PRIORITY_SCORE_STEP - 1)).toBe(true);
  });

  it('a job id from jobIdFor → accepted as a custom id; an id with ":" → refused, which is why the separator is not ":"', async () => {
    const { queue } = await fixture();
    const job = await queue.add('message', { n: 1 }, { jobId: jobIdFor('d.AbC-xyz_123', 42) });
    expect(job.id).toBe(jobIdFor('d.AbC-xyz_123', 42));
    await expect(queue.add('message', { n: 2 }, { jobId: 'conv:42' })).rejects.toThrow(/:/);
  });

  it('jobIdLua run by Redis → the same id as jobIdFor', async () => {
    const script = `return ${jobIdLua('ARGV[1]', 'tonumber(ARGV[2])')}`;
    expect(await redis.eval(script, 0, 'd.AbC-xyz_123', 42)).toBe(jobIdFor('d.AbC-xyz_123', 42));
  });
});

/** The KEYS a shipped BullMQ script says it takes, from the `Input:` block of its opening comment. */
function declaredKeys(file: string, exported: string): string[] {
  const script = (createRequire(import.meta.url)(`bullmq/dist/cjs/scripts/${file}.js`) as Record<string, { content: string }>)[exported]!;
  return [...script.content.matchAll(/^\s*KEYS\[(\d+)\]\s+'?([\w ]+?)'?(?:\s|,|$)/gm)].map(([, , name]) => name!.trim());
}

describe("BullMQ's add scripts, which addQueueJob runs inside scripts of ours", () => {
  it('take the keys addQueueJob gives them, in that order', () => {
    // The first word of each declared key names it; `events stream key` and `'pc' priority counter` included.
    const first = (names: string[]) => names.map((name) => name.split(' ')[0]);
    expect(first(declaredKeys('addStandardJob-9', 'addStandardJob'))).toEqual(['wait', 'paused', 'meta', 'id', 'completed', 'delayed', 'active', 'events', 'marker']);
    expect(first(declaredKeys('addPrioritizedJob-9', 'addPrioritizedJob'))).toEqual(['marker', 'meta', 'id', 'prioritized', 'delayed', 'completed', 'active', 'events', 'pc']);
  });

  it('a job added by addQueueJob → stored as Queue.add stores it, plain and prioritized, with its dedupe mark', async () => {
    const options = messageJobOptions(5);
    const ours = createQueue<{ n: number }>('added-by-script', { connection: redis, prefix, defaultJobOptions: options });
    const theirs = createQueue<{ n: number }>('added-by-queue', { connection: redis, prefix, defaultJobOptions: options });
    closing.push(() => ours.close(), () => theirs.close());
    const { keys, queuePrefix, dedupeKey } = queueJobKeys(ours);
    const script = `${ADD_QUEUE_JOB_LUA}
local opts = cjson.decode(ARGV[6])
opts['de'] = {id = ARGV[7], ttl = tonumber(ARGV[8])}
return addQueueJob(0, ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], opts, ARGV[9], tonumber(ARGV[10]))`;
    const cases = [
      { id: 'job-plain', priority: undefined },
      { id: 'job-prio', priority: 7 },
    ];
    for (const { id, priority } of cases) {
      const timestamp = Date.now();
      const data = JSON.stringify({ n: 1 });
      const added = await redis.eval(script, keys.length, ...keys, queuePrefix, id, 'message', timestamp, data, encodedJobOptions(options), `de-${id}`, 60_000, dedupeKey(`de-${id}`), priority ?? '');
      expect(added).toBe(id);
      await theirs.add('message', { n: 1 }, { jobId: id, timestamp, ...(priority ? { priority } : {}), deduplication: { id: `de-${id}`, ttl: 60_000 } });
      const [mine, reference] = await Promise.all([redis.hgetall(`${queuePrefix}${id}`), redis.hgetall(`${queueJobKeys(theirs).queuePrefix}${id}`)]);
      expect({ ...mine, opts: JSON.parse(mine['opts']!) }).toEqual({ ...reference, opts: { ...JSON.parse(reference['opts']!), timestamp: undefined } });
      expect(await redis.get(dedupeKey(`de-${id}`))).toBe(id);
      // A second add under the same dedupe id → the first job's id, nothing added.
      expect(await redis.eval(script, keys.length, ...keys, queuePrefix, `${id}-again`, 'message', timestamp, data, encodedJobOptions(options), `de-${id}`, 60_000, dedupeKey(`de-${id}`), priority ?? '')).toBe(id);
    }
    expect(await ours.getJobCounts('wait', 'prioritized')).toEqual(await theirs.getJobCounts('wait', 'prioritized'));
    expect(await ours.getJobCounts('wait', 'prioritized')).toEqual({ wait: 1, prioritized: 1 });
  });
});
