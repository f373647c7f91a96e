import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, jobIdFor, messageJobOptions, type Queue } from '@dtbot/queue';
import { redisCommandsRunBy } from '@dtbot/redis-test';
import { MESSAGE_JOB_NAME, type MessageJob } from '../jobs/message-job.js';
import { jobPriorityFor, jobPriorityLua } from '../lanes/job-priority.js';
import type { Lane } from '../lanes/lane.js';
import { shardKeys } from '../redis/keys.js';
import { MessageStore, STORE_BATCH_MAX, type UnnumberedJob } from './message-store.js';
import { Turns } from './turn-scripts.js';

// Real Redis, own prefix per run; every key is removed afterwards. Each check stores the same messages twice: through
// the one-step store, and as the store did before it, numbering (`Turns`) then BullMQ's own `Queue.add`. What Redis
// holds afterwards must be the same, key by key.
const run = randomUUID().slice(0, 8);
const ours = `{dtbot-test-store-${run}}`;
const theirs = `{dtbot-test-store-ref-${run}}`;
const options = messageJobOptions(5);
const DEDUPE_TTL_MS = 60_000;
let redis: Redis;
let store: MessageStore;
let queue: Queue<MessageJob>;
let refQueue: Queue<MessageJob>;
let refTurns: Turns;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  queue = createQueue<MessageJob>('messages', { connection: redis, prefix: ours, defaultJobOptions: options });
  refQueue = createQueue<MessageJob>('messages', { connection: redis, prefix: theirs, defaultJobOptions: options });
  store = new MessageStore(redis, shardKeys(ours), queue, { jobName: MESSAGE_JOB_NAME, defaultJobOptions: options, dedupeTtlMs: DEDUPE_TTL_MS, orderTtlMs: 60_000 });
  refTurns = new Turns(redis, shardKeys(theirs), 60_000);
});

afterAll(async () => {
  await queue.close();
  await refQueue.close();
  for (const prefix of [ours, theirs]) {
    const keys = await redis.keys(`${prefix.replace(/[{}]/g, '\\$&')}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

function job(msgId: string, conversationId: string): UnnumberedJob {
  return {
    msgId,
    robotCode: 'robot',
    msgtype: 'text',
    prompt: `question ${msgId}`,
    conversationId,
    conversationType: '1',
    senderId: `sender-${conversationId}`,
    senderNick: 'Asker',
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
    sessionWebhookExpiredTime: 4_102_444_800_000,
    createAt: 1_700_000_000_000,
    receivedAt: 1_700_000_000_100,
    orderKey: `order-${conversationId}`,
    conversationKey: `conv-${conversationId}`,
    lane: 'normal',
  };
}

interface Message {
  job: UnnumberedJob;
  lane: Lane;
  noticeAt?: number;
}

/** The message stored as before: numbered, then added by `Queue.add` with the options the gateway gave it. */
async function storeAsBefore(message: Message): Promise<string> {
  const { orderKey, conversationKey, msgId } = message.job;
  const [turn] = await refTurns.nextMany([{ orderKey, conversationKey, ...(message.noticeAt ? { noticeAt: message.noticeAt } : {}) }]);
  const priority = jobPriorityFor(message.lane, turn!.load);
  const added = await refQueue.add(MESSAGE_JOB_NAME, { ...message.job, seq: turn!.seq } as MessageJob, {
    jobId: jobIdFor(orderKey, turn!.seq),
    ...(priority !== undefined ? { priority } : {}),
    deduplication: { id: `robot:${msgId}`, ttl: DEDUPE_TTL_MS },
  });
  return added.id!;
}

function storeNow(message: Message) {
  const { orderKey, conversationKey, msgId } = message.job;
  return store.store({
    job: message.job,
    lane: message.lane,
    orderKey,
    conversationKey,
    ...(message.noticeAt ? { noticeAt: message.noticeAt } : {}),
    dedupeId: `robot:${msgId}`,
  });
}

/** Everything under a prefix, read back by type, with the prefix cut off and the times that differ by run masked. */
async function snapshot(prefix: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix.replace(/[{}]/g, '\\$&')}*`)).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const name = key.slice(prefix.length);
    const type = await redis.type(key);
    const ttl = await redis.pttl(key);
    const expires = ttl === -1 ? 'never' : 'yes';
    if (type === 'string') out[name] = { value: await redis.get(key), expires };
    else if (type === 'list') out[name] = { list: await redis.lrange(key, 0, -1), expires };
    else if (type === 'zset') out[name] = { zset: await redis.zrange(key, 0, -1, 'WITHSCORES'), expires };
    else if (type === 'hash') {
      const hash = await redis.hgetall(key);
      if (name.endsWith(':meta')) {
        out[name] = { hash, expires };
        continue;
      }
      out[name] = {
        hash: { ...hash, data: JSON.parse(hash['data']!), opts: JSON.parse(hash['opts']!), timestamp: 'masked' },
        expires,
      };
    } else if (type === 'stream') {
      const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
      out[name] = { stream: entries.map(([, fields]) => fields), expires };
    } else out[name] = { type, expires };
  }
  return out;
}

describe('MessageStore', () => {
  it('leaves Redis as numbering and then Queue.add did, lane by lane, first and later messages, with notices', async () => {
    const messages: Message[] = [
      { job: job('m1', 'a'), lane: 'normal', noticeAt: 5_000 },
      { job: job('m2', 'a'), lane: 'normal', noticeAt: 6_000 },
      { job: { ...job('m3', 'b'), lane: 'priority' }, lane: 'priority' },
      { job: { ...job('m4', 'b'), lane: 'priority' }, lane: 'priority' },
      { job: { ...job('m5', 'c'), pictures: ['code-1'] }, lane: 'normal' },
    ];
    const stored: string[] = [];
    for (const message of messages) {
      const result = await storeNow(message);
      expect(result.stored).toBe('new');
      stored.push(result.jobId);
      expect(await storeAsBefore(message)).toBe(result.jobId);
    }
    expect(stored).toEqual([jobIdFor('order-a', 1), jobIdFor('order-a', 2), jobIdFor('order-b', 1), jobIdFor('order-b', 2), jobIdFor('order-c', 1)]);
    const [after, before] = await Promise.all([snapshot(ours), snapshot(theirs)]);
    // The event stream's entries carry no time; their ids (times) were dropped above.
    expect(Object.keys(after)).toEqual(expect.arrayContaining([':messages:order-a.1', ':messages:de:robot:m1', ':order:order-a:seq', ':notice:due']));
    expect(after).toEqual(before);
    // The first priority-lane message is in the plain wait list; the others are prioritized.
    expect(after[':messages:wait']).toEqual({ list: [jobIdFor('order-b', 1)], expires: 'never' });
  });

  it('a redelivery gets the stored job, adds nothing and gives its number and load back', async () => {
    const first = await storeNow({ job: job('d1', 'd'), lane: 'normal', noticeAt: 7_000 });
    expect(first).toEqual({ stored: 'new', jobId: jobIdFor('order-d', 1), seq: 1 });
    const keys = shardKeys(ours);
    const load = await redis.get(keys.conversationLoad('conv-d'));

    const again = await storeNow({ job: job('d1', 'd'), lane: 'normal', noticeAt: 8_000 });
    expect(again).toEqual({ stored: 'duplicate', jobId: first.jobId });
    expect(await redis.get(keys.orderSeq('order-d'))).toBe('1');
    expect(await redis.get(keys.conversationLoad('conv-d'))).toBe(load);
    expect(await redis.zscore(keys.noticeDue(), first.jobId)).toBe('7000');
    expect(await redis.exists(`${ours}:messages:${jobIdFor('order-d', 2)}`)).toBe(0);

    // The next message of the conversation takes the number the redelivery gave back.
    expect(await storeNow({ job: job('d2', 'd'), lane: 'normal' })).toMatchObject({ stored: 'new', seq: 2 });
  });

  it('a redelivery of a conversation whose load had expired leaves no load behind', async () => {
    await storeNow({ job: job('e1', 'e'), lane: 'normal' });
    const loadKey = shardKeys(ours).conversationLoad('conv-e');
    await redis.del(loadKey);
    expect(await storeNow({ job: job('e1', 'e'), lane: 'normal' })).toMatchObject({ stored: 'duplicate' });
    expect(await redis.exists(loadKey)).toBe(0);
  });
});

describe('MessageStore batches', () => {
  it('stores the messages of one event-loop turn with one script call per STORE_BATCH_MAX, numbered in the order given', async () => {
    const count = 2 * STORE_BATCH_MAX + 1;
    const messages = Array.from({ length: count }, (_, i) => ({ job: job(`b${i}`, 'batch'), lane: 'normal' as const }));
    let results: Awaited<ReturnType<typeof storeNow>>[] = [];
    const commands = await redisCommandsRunBy(redis, ours, async () => {
      results = await Promise.all(messages.map((message) => storeNow(message)));
    });
    expect(results.map((result) => (result.stored === 'new' ? result.seq : 0))).toEqual(messages.map((_, i) => i + 1));
    expect(commands.filter((command) => command === 'evalsha')).toHaveLength(3);
  });

  it('a message sent twice in one batch: the first is stored, the second is its redelivery, and no number is lost', async () => {
    const [first, again, next] = await Promise.all([
      storeNow({ job: job('twice', 'twice'), lane: 'normal' }),
      storeNow({ job: job('twice', 'twice'), lane: 'normal' }),
      storeNow({ job: job('after-twice', 'twice'), lane: 'normal' }),
    ]);
    expect(first).toEqual({ stored: 'new', jobId: jobIdFor('order-twice', 1), seq: 1 });
    expect(again).toEqual({ stored: 'duplicate', jobId: jobIdFor('order-twice', 1) });
    expect(next).toEqual({ stored: 'new', jobId: jobIdFor('order-twice', 2), seq: 2 });
  });

  it('a call that fails refuses its whole batch; what it stored before failing is found again on redelivery, and the next batch is stored', async () => {
    // A key of the wrong type makes the script fail at the second message, after the first was stored.
    await redis.hset(shardKeys(ours).orderSeq('order-broken'), 'not', 'a counter');
    const first = { job: job('f1', 'fine'), lane: 'normal' as const };
    const outcomes = await Promise.allSettled([storeNow(first), storeNow({ job: job('f2', 'broken'), lane: 'normal' })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    // DingTalk pushes both again: the first is known, so it gets no second job.
    expect(await storeNow(first)).toEqual({ stored: 'duplicate', jobId: jobIdFor('order-fine', 1) });
    expect(await storeNow({ job: job('f3', 'fine'), lane: 'normal' })).toMatchObject({ stored: 'new', seq: 2 });
  });
});

describe('MessageStore and any text', () => {
  it('stores any prompt, nick and title, however odd, and gives them back as sent, with the number added', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 3000 }), fc.string({ unit: 'grapheme', maxLength: 64 }), async (prompt, nick) => {
        n += 1;
        const sent = { ...job(`any-${n}`, `any-${n}`), prompt, senderNick: nick, conversationTitle: `${nick}}"\\` };
        const result = await storeNow({ job: sent, lane: 'normal' });
        expect(result).toMatchObject({ stored: 'new', seq: 1 });
        const stored = await queue.getJob(result.jobId);
        expect(stored!.data).toEqual({ ...sent, seq: 1 });
      }),
      { numRuns: 60 },
    );
  });
});

describe('jobPriorityLua', () => {
  it('gives what jobPriorityFor gives, for both lanes and any load', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Lane>('normal', 'priority'), fc.integer({ min: 0, max: 5_000_000 }), async (lane, load) => {
        const lua = `local p = ${jobPriorityLua('ARGV[1]', 'tonumber(ARGV[2])')}\nif p == nil then return -1 end\nreturn p`;
        const fromLua = (await redis.eval(lua, 0, lane, load)) as number;
        expect(fromLua === -1 ? undefined : fromLua).toBe(jobPriorityFor(lane, load));
      }),
      { numRuns: 200 },
    );
  });
});
