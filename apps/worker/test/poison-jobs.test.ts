import { afterEach, describe, expect, it } from 'vitest';
import { createQueueWorker } from '@dtbot/queue';
import { Redis } from 'ioredis';
import type { MessageJob } from '@dtbot/shared';
import { redisUrlForTests, waitFor } from '@dtbot/testkit';
import { MAX_STALLED_COUNT } from '../src/poison-job.js';
import { apology } from '../src/replies/canned-replies.js';
import { takeTurn } from '../src/steps/take-turn.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// A message whose workers stall on it: each "victim" worker takes the job, takes its conversation's turn as the
// real processor does, and then stops renewing its lock (closed with force, its processing never ends), as a
// process whose event loop is blocked or that crashed would. The harness' real workers, started afterwards, find
// the stall and take the job over: real BullMQ, real Redis, fake model and DingTalk.

/** A victim's lock: short, so each stall is seen in about a second, yet renewed well in time on a busy machine. */
const VICTIM_LOCK_MS = 1000;
const STALL_CHECK_MS = 200;

let harness: WorkerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(label: string): Promise<WorkerHarness> {
  harness = await startWorkerHarness({
    label,
    paused: true,
    lockDurationMs: 2000,
    stalledIntervalMs: STALL_CHECK_MS,
    // A turn left held would keep the conversation's next message parked past the test's timeout, not 15 s.
    settings: { turnRecheckMs: 120_000 },
  });
  return harness;
}

/** One worker takes the job, takes its turn, and stalls: it never finishes and stops renewing its lock. */
async function stallOnce(h: WorkerHarness): Promise<void> {
  const connection = new Redis(redisUrlForTests(), { maxRetriesPerRequest: null });
  let taken!: () => void;
  const took = new Promise<void>((resolve) => (taken = resolve));
  const victim = createQueueWorker<MessageJob>(
    h.queue.name,
    async (job, token) => {
      await takeTurn(h.deps, job, job.id!, job.data, token);
      taken();
      return new Promise<never>(() => undefined);
    },
    {
      connection,
      prefix: h.deps.keys.bullPrefix,
      concurrency: 1,
      lockDurationMs: VICTIM_LOCK_MS,
      stalledIntervalMs: STALL_CHECK_MS,
      maxStalledCount: MAX_STALLED_COUNT,
    },
  );
  // Its own stall check hands it the job the previous victim stalled on.
  void victim.run();
  await took;
  await victim.close(true);
  await connection.quit();
}

/** The job stalls `times` times: the last stall is found by the harness' workers, which then take the job. */
async function stall(h: WorkerHarness, times: number): Promise<void> {
  for (let take = 0; take < times; take += 1) await stallOnce(h);
  h.resume();
}

async function poisonCount(h: WorkerHarness, by: string): Promise<number> {
  const { values } = await h.deps.metrics.poisonJobs.get();
  return values.filter((value) => value.labels.by === by).reduce((sum, value) => sum + value.value, 0);
}

function repliesTo(h: WorkerHarness, webhook: string): string[] {
  const session = new URL(webhook).searchParams.get('session');
  return h.dingtalk.delivered().filter((message) => message.target === session).map((message) => message.text);
}

describe('a message its workers stall on', () => {
  it('stalled once (a crash or a deploy): is taken over and answered once, with no apology', async () => {
    const h = await start('poison-once');
    const message = h.message({ text: 'innocent question', senderStaffId: 'once' });
    const { jobId, settled } = await h.send(message);
    await stall(h, 1);

    expect(await settled).toBe('completed');
    expect(repliesTo(h, message.sessionWebhook)).toEqual(['答复: innocent question']);
    expect((await h.queue.getJob(jobId))?.stalledCounter).toBe(1);
    expect(await poisonCount(h, 'worker')).toBe(0);
  }, 30_000);

  it('stalled twice: is failed with one apology and no model call, and the next message of its conversation is answered', async () => {
    const h = await start('poison-twice');
    const message = h.message({ text: 'poison question', senderStaffId: 'twice' });
    const { jobId, settled } = await h.send(message);
    await stall(h, 2);

    expect(await settled).toBe('failed');
    expect(repliesTo(h, message.sessionWebhook)).toEqual([apology(jobId)]);
    expect(h.openai.requests).toHaveLength(0);
    const job = await h.queue.getJob(jobId);
    expect(job?.stalledCounter).toBe(2);
    expect(job?.attemptsMade).toBe(1);
    expect(await h.queue.getJobState(jobId)).toBe('failed');
    expect(await poisonCount(h, 'worker')).toBe(1);
    const { values } = await h.deps.metrics.failures.get();
    expect(values.map(({ labels, value }) => [labels.failure, value])).toEqual([['stalled_too_often', 1]]);

    const following = h.message({ text: 'next question', senderStaffId: 'twice' });
    expect(await (await h.send(following)).settled).toBe('completed');
    expect(repliesTo(h, following.sessionWebhook)).toEqual(['答复: next question']);
  }, 30_000);

  it('failed by BullMQ past its own stall limit: still apologises once and frees the conversation', async () => {
    const h = await start('poison-limit');
    const message = h.message({ text: 'poison past the limit', senderStaffId: 'limit' });
    const { jobId, settled } = await h.send(message);
    // The victims past the second stand for workers that stopped while settling the job: the harness' workers
    // find the stall that takes the count past BullMQ's limit, and BullMQ fails the job as they take it.
    await stall(h, MAX_STALLED_COUNT + 1);
    expect(await settled).toBe('failed');
    expect((await h.queue.getJob(jobId))?.failedReason).toBe('job stalled more than allowable limit');

    await waitFor(() => repliesTo(h, message.sessionWebhook).length > 0, { message: 'no apology after BullMQ failed the job' });
    expect(repliesTo(h, message.sessionWebhook)).toEqual([apology(jobId)]);
    expect(h.openai.requests).toHaveLength(0);
    expect(await poisonCount(h, 'stall_limit')).toBe(1);

    const following = h.message({ text: 'after the limit', senderStaffId: 'limit' });
    expect(await (await h.send(following)).settled).toBe('completed');
    expect(repliesTo(h, following.sessionWebhook)).toEqual(['答复: after the limit']);
    expect(repliesTo(h, message.sessionWebhook)).toEqual([apology(jobId)]);
  }, 30_000);
});
