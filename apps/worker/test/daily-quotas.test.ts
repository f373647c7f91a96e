import { describe, expect, it } from 'vitest';
import { redisCommandsRunBy } from '@dtbot/testkit';
import { DailyQuotas } from '../src/quota/daily-quotas.js';
import { countedAskerFor } from './counted-asker-for.js';
import { useTestRedis } from './test-redis.js';

// DailyQuotas against a real Redis, with the clock in the test's hands.
const store = useTestRedis('daily-quotas');
const { keys } = store;

/** 2026-12-01 at hh:mm:ss in Shanghai (UTC+8). */
const shanghai = (hour: number, minute = 0, second = 0, day = 1) => Date.UTC(2026, 11, day, hour - 8, minute, second);
let robots = 0;
/** Quotas on a robot of their own, so tests do not share counts. */
function quotas(limits: { userDaily?: number; groupDaily?: number }, clock: { now: number }) {
  robots += 1;
  const robotCode = `robot${robots}`;
  const quota = new DailyQuotas(store.redis, keys, { userDaily: 0, groupDaily: 0, timeZone: 'Asia/Shanghai', ...limits }, () => clock.now);
  const asker = countedAskerFor(robotCode);
  return { quota, asker, robotCode };
}

describe('DailyQuotas', () => {
  it('counts a job once however often it is taken, and refuses the question after the limit, saying when it resets', async () => {
    const clock = { now: shanghai(20, 30) };
    const { quota, asker } = quotas({ userDaily: 2 }, clock);
    expect(await quota.take('job-1', asker('alice'))).toEqual({ allowed: true });
    expect(await quota.take('job-1', asker('alice'))).toEqual({ allowed: true });
    expect(await quota.take('job-2', asker('alice'))).toEqual({ allowed: true });
    expect(await quota.take('job-3', asker('alice'))).toEqual({ allowed: false, scope: 'user', limit: 2, msToReset: 3.5 * 3600_000 });
    // A retry of a counted job is still allowed: it was counted before the limit was reached.
    expect(await quota.take('job-2', asker('alice'))).toEqual({ allowed: true });
    expect(await quota.take('job-4', asker('bob'))).toEqual({ allowed: true });
    expect(await quota.left(asker('alice'))).toEqual({ user: 0, group: undefined });
    expect(await quota.left(asker('bob'))).toEqual({ user: 1, group: undefined });
  });

  it('counts a group across its members and leaves private chats out of it', async () => {
    const clock = { now: shanghai(9) };
    const { quota, asker } = quotas({ groupDaily: 3 }, clock);
    for (const [job, user] of [['g1', 'a'], ['g2', 'b'], ['g3', 'c']] as const) expect(await quota.take(job, asker(user, 'cid-team'))).toEqual({ allowed: true });
    expect(await quota.take('g4', asker('d', 'cid-team'))).toMatchObject({ allowed: false, scope: 'group', limit: 3 });
    expect(await quota.take('g5', asker('d'))).toEqual({ allowed: true });
    expect(await quota.take('g6', asker('d', 'cid-other'))).toEqual({ allowed: true });
    expect(await quota.left(asker('a', 'cid-team'))).toEqual({ user: undefined, group: 0 });
  });

  it('starts a new day at midnight in its time zone', async () => {
    const clock = { now: shanghai(23, 59, 59) };
    const { quota, asker } = quotas({ userDaily: 1 }, clock);
    expect(await quota.take('d1', asker('night-owl'))).toEqual({ allowed: true });
    expect(await quota.take('d2', asker('night-owl'))).toEqual({ allowed: false, scope: 'user', limit: 1, msToReset: 1000 });
    clock.now = shanghai(0, 0, 1, 2);
    expect(await quota.take('d2', asker('night-owl'))).toEqual({ allowed: true });
    expect(await quota.take('d3', asker('night-owl'))).toMatchObject({ allowed: false });
  });

  it('gives back the count of a job that failed for good, once, and counts it again if it is retried later', async () => {
    const clock = { now: shanghai(12) };
    const { quota, asker, robotCode } = quotas({ userDaily: 1 }, clock);
    const users = keys.quotaUsers(robotCode, '2026-12-01');
    expect(await quota.take('r1', asker('unlucky', 'cid-r'))).toEqual({ allowed: true });
    await quota.refund('r1', asker('unlucky', 'cid-r'));
    await quota.refund('r1', asker('unlucky', 'cid-r'));
    await quota.refund('never-counted', asker('unlucky', 'cid-r'));
    expect(await store.redis.hget(users, 'unlucky')).toBe('0');
    expect(await store.redis.hget(keys.quotaGroups(robotCode, '2026-12-01'), 'cid-r')).toBe('0');
    // An operator retries the failed job: it is a question again.
    expect(await quota.take('r1', asker('unlucky', 'cid-r'))).toEqual({ allowed: true });
    expect(await store.redis.hget(users, 'unlucky')).toBe('1');
  });

  it('lets exactly the limit through when many workers take at once', async () => {
    const clock = { now: shanghai(15) };
    const { quota, asker } = quotas({ userDaily: 3 }, clock);
    const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => quota.take(`burst-${i}`, asker('burst'))));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(3);
  });

  it('keeps counts for /usage with names, most first, and lets every key expire by itself', async () => {
    const clock = { now: shanghai(18) };
    const { quota, asker, robotCode } = quotas({}, clock);
    await quota.take('u1', asker('zhang', 'cid-u'));
    await quota.take('u2', asker('li', 'cid-u'));
    await quota.take('u3', asker('li'));
    expect(await quota.today(robotCode)).toEqual({
      day: '2026-12-01',
      users: [
        { id: 'li', name: 'nick-li', count: 2 },
        { id: 'zhang', name: 'nick-zhang', count: 1 },
      ],
      groups: [{ id: 'cid-u', name: 'title-cid-u', count: 2 }],
    });
    for (const key of [keys.quotaUsers(robotCode, '2026-12-01'), keys.quotaGroups(robotCode, '2026-12-01'), keys.quotaNames(robotCode, '2026-12-01'), keys.quotaCounted('u1')]) {
      const ttl = await store.redis.ttl(key);
      expect(ttl).toBeGreaterThan(86_400);
      expect(ttl).toBeLessThanOrEqual(2 * 86_400);
    }
  });

  it('a question counted with no limit set reads no count: 4 Redis commands for a user counted today already', async () => {
    const clock = { now: shanghai(9) };
    const { quota, asker, robotCode } = quotas({}, clock);
    await quota.take('no-limit-warm-up', asker('alice')); // loads the script, so no NOSCRIPT round is watched
    const commands = await redisCommandsRunBy(store.redis, store.prefix, async () => {
      expect(await quota.take('no-limit-job', asker('alice'))).toEqual({ allowed: true });
    });
    expect(commands).toEqual(['evalsha', 'set', 'hincrby', 'hset']);
    expect((await quota.today(robotCode)).users).toMatchObject([{ id: expect.any(String), count: 2 }]);
  });

  it('a question of a user not counted today runs 6 Redis commands: the user\'s fields are new, the hashes may be', async () => {
    const clock = { now: shanghai(10) };
    const { quota, asker, robotCode } = quotas({}, clock);
    await quota.take('again-0', asker('warm-up'));
    const commands = await redisCommandsRunBy(store.redis, store.prefix, async () => {
      expect(await quota.take('again-1', asker('carol'))).toEqual({ allowed: true });
    });
    expect(commands).toEqual(['evalsha', 'set', 'hincrby', 'expire', 'hset', 'expire']);
    await quota.take('again-2', asker('carol'));
    expect(await store.redis.ttl(keys.quotaUsers(robotCode, '2026-12-01'))).toBeGreaterThan(86_400);
    // A retry of the same job reads its mark and counts nothing.
    expect(await redisCommandsRunBy(store.redis, store.prefix, async () => void (await quota.take('again-2', asker('carol'))))).toEqual(['evalsha', 'set', 'get']);
    expect((await quota.today(robotCode)).users).toEqual([{ id: 'carol', name: 'nick-carol', count: 2 }, { id: 'warm-up', name: 'nick-warm-up', count: 1 }]);
  });

  it('a question refused by its quota leaves no mark: a later attempt of the same job is checked again', async () => {
    const clock = { now: shanghai(11) };
    const { quota, asker } = quotas({ userDaily: 1 }, clock);
    await quota.take('first', asker('dan'));
    const commands = await redisCommandsRunBy(store.redis, store.prefix, async () => {
      expect(await quota.take('over', asker('dan'))).toMatchObject({ allowed: false, scope: 'user' });
    });
    expect(commands).toEqual(['evalsha', 'set', 'hget', 'del']);
    expect(await store.redis.exists(keys.quotaCounted('over'))).toBe(0);
    clock.now = shanghai(0, 0, 1, 2);
    expect(await quota.take('over', asker('dan'))).toEqual({ allowed: true });
  });
});
