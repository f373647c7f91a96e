import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardKeys, Turns, type TurnSubject } from '@dtbot/shared';
import { TurnBatcher } from './turn-batcher.js';

// Real Redis, own prefix per run; every key is removed afterwards.
const prefix = `{dtbot-test-batcher-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let turns: Turns;
let calls: TurnSubject[][];

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  turns = new Turns(redis, shardKeys(prefix), 60_000);
  // Records each script call on the real Turns; the numbers still come from Redis.
  const nextMany = turns.nextMany.bind(turns);
  turns.nextMany = (messages) => {
    calls.push([...messages]);
    return nextMany(messages);
  };
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix.replace(/[{}]/g, '\\$&')}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('TurnBatcher', () => {
  it('numbers the callbacks of one event-loop turn with one script call, in arrival order', async () => {
    calls = [];
    const batcher = new TurnBatcher(turns);
    const numbers = await Promise.all([
      batcher.next('a', 'conv-a'),
      batcher.next('b', 'conv-b'),
      batcher.next('a', 'conv-a'),
      batcher.next('a', 'conv-a'),
    ]);
    expect(numbers.map((turn) => turn.seq)).toEqual([1, 1, 2, 3]);
    expect(numbers.map((turn) => turn.load)).toEqual([1, 1, 2, 3]);
    expect(calls).toHaveLength(1);
  });

  it('numbers a lone callback without waiting for company', async () => {
    calls = [];
    const batcher = new TurnBatcher(turns);
    expect(await batcher.next('lone', 'conv-lone')).toEqual({ seq: 1, load: 1 });
    expect(await batcher.next('lone', 'conv-lone')).toEqual({ seq: 2, load: 2 });
    expect(calls).toHaveLength(2);
  });

  it('splits a turn with more callbacks than the batch limit, keeping their order', async () => {
    calls = [];
    const batcher = new TurnBatcher(turns, 3);
    const numbers = await Promise.all(Array.from({ length: 7 }, () => batcher.next('many', 'conv-many')));
    expect(numbers.map((turn) => turn.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(calls.map((batch) => batch.length)).toEqual([3, 3, 1]);
  });

  it('refuses every callback of a batch whose script call failed, and numbers the next batch', async () => {
    const broken = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
    broken.disconnect();
    const batcher = new TurnBatcher(new Turns(broken, shardKeys(prefix), 60_000));
    const results = await Promise.allSettled([batcher.next('x', 'conv-x'), batcher.next('y', 'conv-y')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);

    const working = new TurnBatcher(turns);
    expect((await working.next('x', 'conv-x')).seq).toBe(1);
  });
});
