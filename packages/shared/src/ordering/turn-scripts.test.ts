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

  it('a turn claimed and finished in order, nothing skipped, runs 6 Redis commands, its two scripts\' included', async () => {
    // Loads both scripts first, so no NOSCRIPT round is watched.
    await turns.claim('warm-up', 1, jobIdFor('warm-up', 1));
    await turns.finish(ref('warm-up', 1));
    const { seq } = await next('counted', 'conv-counted');
    const commands = await redisCommandsRunBy(redis, prefix, async () => {
      await turns.claim('counted', seq, jobIdFor('counted', seq));
      await turns.finish(ref('counted', seq));
    });
    expect(commands).toEqual([
      'evalsha', 'get',
      'evalsha', 'set', 'exists', 'decr',
    ]);
  });

  it('names a waiter once: the end of the turn before takes it off the waiters, and its own claim stores nothing', async () => {
    const keys = shardKeys(prefix);
    expect((await turns.claim('w', 1, 'job-1')).go).toBe(true);
    expect(await turns.claim('w', 2, 'job-2')).toEqual({ go: false, done: 0 });
    expect(await redis.hgetall(keys.orderWaiters('w'))).toEqual({ '2': 'job-2' });
    expect(await turns.finish(ref('w', 1))).toBe('job-2');
    expect(await redis.exists(keys.orderWaiters('w'))).toBe(0);
    // Reported again (a retried end), the turn names nobody: the waiter was woken already.
    expect(await turns.finish(ref('w', 1))).toBeNull();
    const commands = await redisCommandsRunBy(redis, prefix, async () => {
      expect(await turns.claim('w', 2, 'job-2')).toEqual({ go: true, done: 1 });
    });
    expect(commands).toEqual(['evalsha', 'get']);
    expect(await redis.pttl(keys.orderDone('w'))).toBeGreaterThan(0);
  });

  it('looks a waiter up only when the conversation has waiters, and the skipped numbers only when it has some', async () => {
    await next('x', 'conv-x');
    await next('x', 'conv-x');
    await next('x', 'conv-x');
    await turns.claim('x', 3, 'job-3'); // waits: the waiters hash exists, the skipped set does not
    const waiting = await redisCommandsRunBy(redis, prefix, async () => {
      expect(await turns.finish(ref('x', 1))).toBeNull(); // job-3 waits for 2, not for 1's end
    });
    expect(waiting).toEqual(['evalsha', 'set', 'exists', 'exists', 'decr', 'pexpire', 'hget']);
    await turns.skip(ref('x', 4)); // now both exist
    const both = await redisCommandsRunBy(redis, prefix, async () => {
      expect(await turns.finish(ref('x', 2))).toBe('job-3');
    });
    // Its load falls to 0 (three numbered, two ended, one skipped): no fresh TTL for it.
    expect(both).toEqual(['evalsha', 'set', 'exists', 'sismember', 'decr', 'srem', 'exists', 'pexpire', 'hget', 'hdel']);
  });

  it('puts done back when a finish comes out of order: reported twice, or before the turn before it', async () => {
    const keys = shardKeys(prefix);
    await turns.finish(ref('o', 1));
    await turns.finish(ref('o', 1));
    expect(await redis.get(keys.orderDone('o'))).toBe('1');
    // 3 finishes while 2 has not: done stays 1, and 3 is remembered as over.
    await turns.finish(ref('o', 3));
    expect(await redis.get(keys.orderDone('o'))).toBe('1');
    expect(await turns.finish(ref('o', 2))).toBeNull();
    expect(await redis.get(keys.orderDone('o'))).toBe('3');
    expect(await redis.pttl(keys.orderDone('o'))).toBeGreaterThan(0);
    // A skipped number finished late by its job: done moves past it once.
    await turns.skip(ref('o', 4));
    await turns.finish(ref('o', 4));
    expect(await redis.get(keys.orderDone('o'))).toBe('4');
    expect(await redis.exists(keys.orderSkipped('o'))).toBe(0);
  });

  it('lets a job further on go past numbers skipped since the last end, with one EXISTS more, and stores done', async () => {
    const keys = shardKeys(prefix);
    await turns.finish(ref('s', 1));
    await redis.sadd(keys.orderSkipped('s'), '2', '3');
    const commands = await redisCommandsRunBy(redis, prefix, async () => {
      expect(await turns.claim('s', 4, 'job-4')).toEqual({ go: true, done: 3 });
    });
    expect(commands).toEqual(['evalsha', 'get', 'exists', 'srem', 'srem', 'srem', 'exists', 'set']);
    expect(await redis.get(keys.orderDone('s'))).toBe('3');
  });

  it('keeps a held-up conversation\'s keys alive while its waiter comes back to look', async () => {
    const keys = shardKeys(prefix);
    await turns.claim('h', 3, 'job-3');
    await redis.pexpire(keys.orderDone('h'), 1000);
    await turns.claim('h', 3, 'job-3');
    expect(await redis.pttl(keys.orderDone('h'))).toBeGreaterThan(1000);
    expect(await redis.pttl(keys.orderWaiters('h'))).toBeGreaterThan(1000);
  });

  it('never counts a conversation\'s load below 0: a count that expired stays absent, which reads as 0', async () => {
    const keys = shardKeys(prefix);
    await next('z', 'conv-z');
    await redis.del(keys.conversationLoad('conv-z'));
    await turns.finish({ orderKey: 'z', conversationKey: 'conv-z', seq: 1 });
    expect(await redis.exists(keys.conversationLoad('conv-z'))).toBe(0);
    expect((await next('z', 'conv-z')).load).toBe(1);
    // At 0 the count keeps the TTL it had; above 0 each answer gives it a fresh one.
    expect((await next('z', 'conv-z')).load).toBe(2);
    await redis.pexpire(keys.conversationLoad('conv-z'), 5000);
    await turns.finish({ orderKey: 'z', conversationKey: 'conv-z', seq: 2 });
    expect(await redis.get(keys.conversationLoad('conv-z'))).toBe('1');
    expect(await redis.pttl(keys.conversationLoad('conv-z'))).toBeGreaterThan(5000);
    await turns.finish({ orderKey: 'z', conversationKey: 'conv-z', seq: 3 });
    expect(await redis.get(keys.conversationLoad('conv-z'))).toBe('0');
    expect(await redis.pttl(keys.conversationLoad('conv-z'))).toBeGreaterThan(0);
  });
});
