import { FETCH_LIMITER_MAX, type Queue } from '@dtbot/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { shardIndexFor } from '@dtbot/shared';
import { waitFor, type DingTalkCallbackPayload } from '@dtbot/testkit';
import { concurrencyShare } from '../src/create-worker.js';
import { messageJobFor } from './message-job-for.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// One worker process serving three queue shards, in-process, on a real Redis.
const SHARDS = 3;
let harness: WorkerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const shardOf = (callback: DingTalkCallbackPayload) => shardIndexFor(messageJobFor(callback).conversationKey, SHARDS);

/** Private chats of `perShard` users in each shard: users are tried in turn until every shard has its share. */
function usersPerShard(h: WorkerHarness, perShard: number, label: string): DingTalkCallbackPayload[][] {
  const byShard: DingTalkCallbackPayload[][] = Array.from({ length: SHARDS }, () => []);
  for (let i = 0; byShard.some((users) => users.length < perShard); i += 1) {
    const message = h.message({ text: `${label} ${i}`, senderStaffId: `${label}-${i}` });
    const users = byShard[shardOf(message)]!;
    if (users.length < perShard) users.push(message);
  }
  return byShard;
}

describe('a worker with several queue shards', () => {
  it('serves every shard: each message answered once, its memory kept under its own shard\'s prefix', async () => {
    const h = (harness = await startWorkerHarness({ label: 'shards-serve', env: { QUEUE_SHARDS: String(SHARDS) } }));
    expect(h.shards.map((deps) => deps.shard.index)).toEqual([0, 1, 2]);
    const byShard = usersPerShard(h, 2, 'spread');
    const sent = await Promise.all(byShard.flat().map((message) => h.send(message)));
    expect(await Promise.all(sent.map((message) => message.settled))).toEqual(sent.map(() => 'completed'));

    const texts = h.dingtalk.delivered().map((m) => m.text);
    for (const message of byShard.flat()) expect(texts.filter((text) => text === `答复: ${message.text!.content}`)).toHaveLength(1);
    for (const [index, messages] of byShard.entries()) {
      const deps = h.shards[index]!;
      for (const message of messages) {
        const job = messageJobFor(message);
        // The job ran from its shard's queue, and its conversation's memory is in that shard alone.
        expect(await deps.queue.getJobState(`${job.orderKey}.1`)).toBe('completed');
        expect(await deps.memory.load(job.orderKey, 'another job')).toHaveLength(2);
        for (const other of h.shards.filter((_, i) => i !== index)) expect(await h.deps.redis.exists(other.keys.memory(job.orderKey))).toBe(0);
      }
    }
  });

  it('answers a thread\'s questions in order within its shard, each seeing the one before', async () => {
    const h = (harness = await startWorkerHarness({ label: 'shards-order', env: { QUEUE_SHARDS: String(SHARDS) } }));
    const [first, second, third] = ['one', 'two', 'three'].map((text) => h.message({ text, senderStaffId: 'ordered' }));
    const sent = [];
    for (const message of [first!, second!, third!]) sent.push(await h.send(message));
    await Promise.all(sent.map((message) => message.settled));
    expect(h.dingtalk.delivered().map((m) => m.text)).toEqual(['答复: one', '答复: two', '答复: three']);
    const lastRequest = h.openai.requests.at(-1)!.body.messages;
    expect(lastRequest?.map((message) => message.content)).toEqual(['one', '答复: one', 'two', '答复: two', 'three']);
  });

  it('keeps fairness within a shard: a group flooding it does not hold back another chat of the same shard', async () => {
    const h = (harness = await startWorkerHarness({ label: 'shards-fair', env: { QUEUE_SHARDS: String(SHARDS) }, concurrency: 1, paused: true }));
    // Twenty members of one group at once: twenty memory threads of one conversation, so turns alone would not help.
    const flood = Array.from({ length: 20 }, (_, i) =>
      h.groupMessage({ text: `flood ${i}`, senderStaffId: `member-${i}`, conversationId: 'cid-flooding' }),
    );
    const shard = shardOf(flood[0]!);
    expect(flood.every((message) => shardOf(message) === shard)).toBe(true);
    let quiet: DingTalkCallbackPayload | undefined;
    for (let i = 0; !quiet; i += 1) {
      const candidate = h.message({ text: 'just me', senderStaffId: `quiet-${i}` });
      if (shardOf(candidate) === shard) quiet = candidate;
    }
    const sent = [];
    for (const message of [...flood, quiet]) sent.push(await h.send(message));
    h.resume();
    await Promise.all(sent.map((message) => message.settled));

    const order = h.dingtalk.delivered().map((m) => m.text);
    expect(order).toHaveLength(21);
    // Stored last, behind all twenty; in arrival order it would be answered 21st.
    expect(order.indexOf('答复: just me')).toBeLessThan(3);
  });

  it('pauses every shard\'s queue when the model\'s rate limit is reached in one, the limit counted for all shards together', async () => {
    const h = (harness = await startWorkerHarness({ label: 'shards-rate', env: { QUEUE_SHARDS: String(SHARDS), OPENAI_RPM: '2' } }));
    const [inShard0, inShard1, inShard2] = usersPerShard(h, 1, 'limited').map((users) => users[0]!);
    // One call in each of two shards uses up the minute's two calls, whatever shard asks next.
    for (const message of [inShard0!, inShard1!]) expect(await (await h.send(message)).settled).toBe('completed');
    const { jobId } = await h.send(inShard2!);
    const limitedQueue = h.shards[shardOf(inShard2!)]!.queue;
    // Handed back to its shard's queue once refused, with its priority (closing the worker before that would leave it
    // asleep for the rest of the pause).
    // A plain TTL read would also see the limiter counter of the worker's last fetch (a second long).
    const pauseOf = (queue: Queue) => queue.getRateLimitTtl(FETCH_LIMITER_MAX);
    await waitFor(async () => (await limitedQueue.getJobState(jobId)) === 'prioritized' && (await pauseOf(limitedQueue)) > 0, {
      timeoutMs: 5000,
    });
    const pauses = await Promise.all(h.deps.queues.map(pauseOf));
    expect(pauses.every((ttl) => ttl > 50_000), `${pauses.join(', ')} ms`).toBe(true);
    expect(h.openai.requests).toHaveLength(2);
    expect(await h.deps.redis.zcard(h.sharedKeys.rateRequests())).toBe(2);
  });
});

describe('concurrencyShare', () => {
  it('shares a process\'s slots out equally, the remainder to the first shards, at least one each', () => {
    const shares = (total: number, shards: number) => Array.from({ length: shards }, (_, index) => concurrencyShare(total, shards, index));
    expect(shares(20, 1)).toEqual([20]);
    expect(shares(20, 3)).toEqual([7, 7, 6]);
    expect(shares(21, 3)).toEqual([7, 7, 7]);
    expect(shares(2, 3)).toEqual([1, 1, 1]);
  });
});
