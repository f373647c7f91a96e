import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { conversationKeyFor, orderKeyFor } from '../jobs/order-key.js';
import { shardKeys } from './keys.js';
import { MAX_QUEUE_SHARDS, queueShards, shardIndexFor } from './queue-shards.js';

const SLOTS = 16_384;
/** Which of `count` equal slot ranges a slot is in. */
const rangeOf = (slot: number, count: number) => Math.floor((slot * count) / SLOTS);

describe('queueShards', () => {
  it('keeps the prefix, its slot and every key as they are with one shard', () => {
    const [only, ...others] = queueShards('{dtbot}', 1);
    expect(others).toEqual([]);
    expect(only).toMatchObject({ index: 0, count: 1, prefix: '{dtbot}', slot: calculateSlot('dtbot') });
    expect(only!.keys.bullPrefix).toBe('{dtbot}');
    expect(only!.keys.memory('o.x')).toBe(shardKeys('{dtbot}').memory('o.x'));
    expect(only!.keys.memory('o.x')).toBe('{dtbot}:memory:o.x');
    // A prefix without a hash tag is fine for one shard (a single Redis).
    expect(queueShards('dtbot', 1)[0]!.prefix).toBe('dtbot');
  });

  it('gives shards 1… a hash tag of their own made from the prefix\'s, shard 0 the prefix itself', () => {
    const shards = queueShards('{dtbot}', 3);
    expect(shards.map((shard) => shard.index)).toEqual([0, 1, 2]);
    expect(shards[0]!.prefix).toBe('{dtbot}');
    for (const shard of shards.slice(1)) expect(shard.prefix).toMatch(new RegExp(`^\\{dtbot#${shard.index}(\\.\\d+)?\\}$`));
    // The tag stays where it was in a prefix with text around it.
    for (const shard of queueShards('bot:{robots}:v2', 4).slice(1)) {
      expect(shard.prefix).toMatch(new RegExp(`^bot:\\{robots#${shard.index}(\\.\\d+)?\\}:v2$`));
    }
    // The same shards every time, in every process.
    const again = queueShards('{dtbot}', 3);
    expect(again.map((shard) => [shard.prefix, shard.slot])).toEqual(shards.map((shard) => [shard.prefix, shard.slot]));
  });

  it.each(['{dtbot}', '{acme-prod}', 'x{a}y', '{dtbot-test-run-0a1b2c3d4e5f}'])(
    'puts the shards of %s in different ones of N equal slot ranges, for every N, each slot as Redis computes it',
    (prefix) => {
      for (let count = 2; count <= MAX_QUEUE_SHARDS; count += 1) {
        const shards = queueShards(prefix, count);
        expect(new Set(shards.map((shard) => shard.prefix)).size).toBe(count);
        for (const shard of shards) expect(shard.slot).toBe(calculateSlot(`${shard.prefix}:any-key`));
        const ranges = shards.map((shard) => rangeOf(shard.slot, count));
        expect(new Set(ranges).size, `${count} shards`).toBe(count);
        // Away from the range's edges, so a cluster that cuts its ranges a slot differently agrees.
        for (const shard of shards.slice(1)) {
          const offset = (shard.slot * count) / SLOTS - rangeOf(shard.slot, count);
          expect(offset).toBeGreaterThanOrEqual(0.25);
          expect(offset).toBeLessThan(0.75);
        }
      }
    },
  );

  it('refuses a shard count out of range, and several shards under a prefix without a hash tag', () => {
    for (const count of [0, -1, 1.5, MAX_QUEUE_SHARDS + 1]) expect(() => queueShards('{dtbot}', count)).toThrow(RangeError);
    expect(() => queueShards('dtbot', 2)).toThrow('queue shards need a {hash tag} in the Redis prefix, and dtbot has none');
    expect(() => queueShards('dtbot{}', 2)).toThrow('has none');
  });
});

describe('shardIndexFor', () => {
  const conversation = (id: string, robotCode = 'dingrobot') => conversationKeyFor({ robotCode, conversationId: id });

  it('is 0 with one shard, and the same shard for a conversation every time', () => {
    expect(shardIndexFor(conversation('cid-1'), 1)).toBe(0);
    const first = shardIndexFor(conversation('cid-1'), 3);
    for (let i = 0; i < 5; i += 1) expect(shardIndexFor(conversation('cid-1'), 3)).toBe(first);
  });

  it('puts every memory thread of a group in the group\'s shard: the shard comes from the conversation alone', () => {
    const members = ['alice', 'bob', 'carol'].map((senderId) => ({ robotCode: 'dingrobot', conversationId: 'cid-group', senderId }));
    const threads = new Set(members.map((member) => orderKeyFor(member, 'user')));
    expect(threads.size).toBe(3);
    expect(new Set(members.map((member) => shardIndexFor(conversationKeyFor(member), 5))).size).toBe(1);
  });

  it('spreads conversations evenly: 3000 of them over 3 shards, each within 10 % of a third', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i += 1) counts[shardIndexFor(conversation(`cid-${i}`), 3)]! += 1;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(100);
  });

  it('tells the robots apart: one conversation id of two robots may land in different shards', () => {
    const shardsOfPairs = Array.from({ length: 50 }, (_, i) => [
      shardIndexFor(conversation(`cid-${i}`, 'robot-a'), 4),
      shardIndexFor(conversation(`cid-${i}`, 'robot-b'), 4),
    ]);
    expect(shardsOfPairs.some(([a, b]) => a !== b)).toBe(true);
  });
});
