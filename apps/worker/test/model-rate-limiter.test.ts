import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, sleep } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisCommandsRunBy, redisUrlForTests } from '@dtbot/testkit';
import { ModelRateLimiter } from '../src/model/model-rate-limiter.js';

// Real Redis; a 1-second window stands in for the production minute.
const prefix = createTestPrefix('limiter');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('ModelRateLimiter', () => {
  it('grants rpm requests per window across limiter instances, then names the wait', async () => {
    const keys = redisKeys(`${prefix}-rpm`);
    // Two instances on two connections: two worker processes sharing one limit.
    const other = new Redis(redisUrlForTests());
    const a = new ModelRateLimiter(redis, keys, { rpm: 5, tpm: 0, windowMs: 1000 });
    const b = new ModelRateLimiter(other, keys, { rpm: 5, tpm: 0, windowMs: 1000 });
    const waits: number[] = [];
    for (let i = 0; i < 6; i += 1) waits.push(await (i % 2 ? a : b).acquire(`r${i}`, 10));
    await other.quit();
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBeGreaterThan(0);
    expect(waits[5]).toBeLessThanOrEqual(1000);
    await sleep(waits[5]! + 20);
    expect(await a.acquire('r-after', 10)).toBe(0);
  });

  it('limits tokens per window and takes the model\'s real usage instead of the estimate', async () => {
    const limiter = new ModelRateLimiter(redis, redisKeys(`${prefix}-tpm`), { rpm: 0, tpm: 1000, windowMs: 1000 });
    expect(await limiter.acquire('t1', 600)).toBe(0);
    expect(await limiter.acquire('t2', 600)).toBeGreaterThan(0);
    // t1 really used 100 tokens: now 600 more fit.
    await limiter.correct('t1', 600, 100);
    expect(await limiter.acquire('t3', 600)).toBe(0);
  });

  it('lets everything through when no limit is set and no 429 was seen', async () => {
    const limiter = new ModelRateLimiter(redis, redisKeys(`${prefix}-off`), { rpm: 0, tpm: 0 });
    for (let i = 0; i < 50; i += 1) expect(await limiter.acquire(`x${i}`, 10 ** 9)).toBe(0);
  });

  it('after a 429 pauses every caller for the retry-after, then lets only half as many calls fly at once', async () => {
    const limiter = new ModelRateLimiter(redis, redisKeys(`${prefix}-aimd`), { rpm: 0, tpm: 0 });
    for (let i = 0; i < 8; i += 1) expect(await limiter.acquire(`c${i}`, 1)).toBe(0);
    // The burst of 8 comes back: the first 429 halves the window to 4 and pauses for 300 ms;
    // the rest of the same burst does not halve it again.
    await limiter.release('c0', 'throttled', 300);
    for (let i = 1; i < 8; i += 1) await limiter.release(`c${i}`, 'throttled', 300);
    const paused = await limiter.acquire('during', 1);
    expect(paused).toBeGreaterThan(200);
    expect(paused).toBeLessThanOrEqual(300);
    await sleep(paused + 20);
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) waits.push(await limiter.acquire(`d${i}`, 1));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(4);
    // A success frees its slot (and widens the window a little).
    await limiter.release('d0', 'ok');
    expect(await limiter.acquire('e0', 1)).toBe(0);
  });

  it('counts a call from when it left, not from its grant', async () => {
    const keys = redisKeys(`${prefix}-depart`);
    const limiter = new ModelRateLimiter(redis, keys, { rpm: 1, tpm: 1000, windowMs: 60_000 });
    expect(await limiter.acquire('late', 100)).toBe(0);
    // As if the grant had been five seconds ago and the call were leaving only now.
    const grantedAt = Number(await redis.zscore(keys.rateRequests(), 'late')) - 5000;
    await redis.zadd(keys.rateRequests(), grantedAt, 'late');
    await redis.zadd(keys.rateTokens(), grantedAt, 'late|100');
    await limiter.depart('late', 100);
    const departedAt = Number(await redis.zscore(keys.rateRequests(), 'late'));
    expect(departedAt).toBeGreaterThanOrEqual(grantedAt + 5000);
    expect(Number(await redis.zscore(keys.rateTokens(), 'late|100'))).toBe(departedAt);
    // The next slot frees a full window after the departure.
    expect(await limiter.acquire('next', 100)).toBeGreaterThan(59_000);
  });

  it('does not bring back a departed call\'s entry that is gone', async () => {
    const keys = redisKeys(`${prefix}-depart-gone`);
    const limiter = new ModelRateLimiter(redis, keys, { rpm: 5, tpm: 0, windowMs: 60_000 });
    await limiter.depart('never-granted', 10);
    expect(await redis.zcard(keys.rateRequests())).toBe(0);
  });

  it('admits and releases a call with 6 Redis commands when no limit is set and no 429 was seen', async () => {
    const limiter = new ModelRateLimiter(redis, redisKeys(`${prefix}-counted`), { rpm: 0, tpm: 0 });
    expect(await limiter.acquire('warm-up', 1)).toBe(0); // loads the scripts, so no NOSCRIPT round is watched
    await limiter.release('warm-up', 'ok');
    const commands = await redisCommandsRunBy(redis, prefix, async () => {
      expect(await limiter.acquire('counted', 1)).toBe(0);
      await limiter.release('counted', 'ok');
    });
    // Redis' TIME, which names no key, is not listed: 7 as INFO commandstats counts them.
    expect(commands).toEqual(['evalsha', 'hmget', 'zadd', 'evalsha', 'hget', 'zrem']);
  });

  it('leaves a crashed worker\'s call out of the calls in flight once its lease is over, when a 429 counts them', async () => {
    const keys = redisKeys(`${prefix}-lease`);
    const crashed = new ModelRateLimiter(redis, keys, { rpm: 0, tpm: 0, leaseMs: 50 });
    const limiter = new ModelRateLimiter(redis, keys, { rpm: 0, tpm: 0 });
    for (let i = 0; i < 6; i += 1) expect(await crashed.acquire(`lost${i}`, 1)).toBe(0);
    await sleep(80);
    for (let i = 0; i < 4; i += 1) expect(await limiter.acquire(`live${i}`, 1)).toBe(0);
    // 4 calls in flight, not 10: the window halves to 2.
    await limiter.release('live0', 'throttled', 1);
    await sleep(20);
    expect(await redis.hget(keys.rateCongestion(), 'cwnd')).toBe('2');
    expect(await redis.zrange(keys.rateInFlight(), 0, -1)).toEqual(['live1', 'live2', 'live3']);
    expect(await limiter.acquire('next', 1)).toBeGreaterThan(0);
  });
});
