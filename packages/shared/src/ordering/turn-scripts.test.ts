import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '@dtbot/queue';
import { redisCommandsRunBy } from '@dtbot/redis-test';
import { shardKeys } from '../redis/keys.js';
import { Turns } from './turn-scripts.js';

// Real Redis, own prefix per run; every key is removed afterwards.
const prefix = `{dtbot-test-turns-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let turns: Turns;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  turns = new Turns(redis, shardKeys(prefix), 60_000);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix.replace(/[{}]/g, '\\$&')}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('Turns', () => {
  const ref = (orderKey: string, seq: number) => ({ orderKey, conversationKey: `conv-${orderKey}`, seq });
  const next = async (orderKey: string, conversationKey: string) =>
    (await turns.nextMany([{ orderKey, conversationKey }]))[0]!;

  it('numbers messages of a conversation 1, 2, 3 and each conversation on its own', async () => {
    const seqs = [];
    for (const key of ['a', 'a', 'b', 'a']) seqs.push((await next(key, `conv-${key}`)).seq);
    expect(seqs).toEqual([1, 2, 1, 3]);
  });

  it('numbers several messages in one call in the order given, as one call each would', async () => {
    const numbers = await turns.nextMany([
      { orderKey: 'm', conversationKey: 'conv-m' },
      { orderKey: 'n', conversationKey: 'conv-m' },
      { orderKey: 'm', conversationKey: 'conv-m' },
    ]);
    expect(numbers).toEqual([
      { seq: 1, load: 1 },
      { seq: 1, load: 2 },
      { seq: 2, load: 3 },
    ]);
    expect(await next('m', 'conv-m')).toEqual({ seq: 3, load: 4 });
  });

  it('schedules the queue notice of each message that has a notice time, under its job id, in the numbering step', async () => {
    const due = shardKeys(prefix).noticeDue();
    const [first, command, second] = await turns.nextMany([
      { orderKey: 'q', conversationKey: 'conv-q', noticeAt: 5_000 },
      { orderKey: 'q', conversationKey: 'conv-q' },
      { orderKey: 'r.x', conversationKey: 'conv-q', noticeAt: 6_000 },
    ]);
    expect(await redis.zrange(due, 0, -1, 'WITHSCORES')).toEqual([jobIdFor('q', first!.seq), '5000', jobIdFor('r.x', second!.seq), '6000']);
    expect(command!.seq).toBe(2);
    await redis.del(due);
  });

  it('counts a conversation\'s unanswered messages, once per number however often its end is reported', async () => {
    expect((await next('g1', 'conv-g')).load).toBe(1);
    expect((await next('g2', 'conv-g')).load).toBe(2);
    expect((await next('g1', 'conv-g')).load).toBe(3);
    await turns.finish({ orderKey: 'g1', conversationKey: 'conv-g', seq: 1 });
    await turns.finish({ orderKey: 'g1', conversationKey: 'conv-g', seq: 1 });
    await turns.skip({ orderKey: 'g1', conversationKey: 'conv-g', seq: 2 });
    await turns.skip({ orderKey: 'g1', conversationKey: 'conv-g', seq: 2 });
    expect(await redis.get(shardKeys(prefix).conversationLoad('conv-g'))).toBe('1');
    expect((await next('g3', 'conv-g')).load).toBe(2);
  });

  it('lets only the next number go; a later one waits and is named when the turn ends', async () => {
    expect((await turns.claim('c', 1, 'job-1')).go).toBe(true);
    expect(await turns.claim('c', 2, 'job-2')).toEqual({ go: false, done: 0 });
    expect(await turns.finish(ref('c', 1))).toBe('job-2');
    expect((await turns.claim('c', 2, 'job-2')).go).toBe(true);
    expect(await turns.finish(ref('c', 2))).toBeNull();
  });

  it('passes over skipped numbers, whichever order skip and finish come in', async () => {
    expect(await turns.claim('d', 3, 'job-3')).toEqual({ go: false, done: 0 });
    expect(await turns.skip(ref('d', 2))).toBeNull();
    expect(await turns.finish(ref('d', 1))).toBe('job-3');
    expect((await turns.claim('d', 3, 'job-3')).go).toBe(true);
  });

  it('lets a late job whose number was skipped run at once instead of losing it', async () => {
    await turns.skip(ref('e', 1));
    await turns.finish(ref('e', 2));
    expect((await turns.claim('e', 1, 'job-late')).go).toBe(true);
  });

  it('expires every key of an idle conversation', async () => {
    await next('f', 'conv-f');
    await turns.claim('f', 2, 'job-2');
    const ttl = await redis.pttl(shardKeys(prefix).orderWaiters('f'));
    expect(ttl).toBeGreaterThan(0);
    expect(await redis.pttl(shardKeys(prefix).orderSeq('f'))).toBeGreaterThan(0);
  });

  it('a turn claimed and finished in order, nothing skipped, runs 13 Redis commands, its two scripts\' included', async () => {
    // Loads both scripts first, so no NOSCRIPT round is watched.
    await turns.claim('warm-up', 1, jobIdFor('warm-up', 1));
    await turns.finish(ref('warm-up', 1));
    const { seq } = await next('counted', 'conv-counted');
    const commands = await redisCommandsRunBy(redis, prefix, async () => {
      await turns.claim('counted', seq, jobIdFor('counted', seq));
      await turns.finish(ref('counted', seq));
    });
    expect(commands).toEqual([
      'evalsha', 'get', 'exists', 'set', 'hdel',
      'evalsha', 'get', 'exists', 'get', 'decr', 'pexpire', 'set', 'hget',
    ]);
  });
});
