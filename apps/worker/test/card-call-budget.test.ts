import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, sleep } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';
import { CARD_WINDOW_MS, CardCallBudget } from '../src/delivery/card/card-call-budget.js';

// Real Redis: the budget is what every worker process shares.
const prefix = createTestPrefix('card-budget');
let redis: Redis;
let other: Redis;

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
  other = new Redis(redisUrlForTests());
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await Promise.all([redis.quit(), other.quit()]);
});

describe('CardCallBudget', () => {
  it('grants qps calls of one app per window across instances, then names the wait', async () => {
    const keys = redisKeys(`${prefix}-qps`);
    // Two instances on two connections: two worker processes sharing one app's budget.
    const a = new CardCallBudget(redis, keys, { qps: 4 });
    const b = new CardCallBudget(other, keys, { qps: 4 });
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) waits.push((await (i % 2 ? a : b).take('app', 'required')).waitMs);
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits[4]).toBeGreaterThan(0);
    expect(waits[4]).toBeLessThanOrEqual(CARD_WINDOW_MS);
    // Another app has a budget of its own.
    expect((await a.take('other-app', 'required')).waitMs).toBe(0);
  });

  it('leaves a quarter of the second to calls that may not be skipped', async () => {
    const budget = new CardCallBudget(redis, redisKeys(`${prefix}-share`), { qps: 8 });
    const optional: number[] = [];
    for (let i = 0; i < 7; i += 1) optional.push((await budget.take('app', 'optional')).waitMs);
    expect(optional.map((wait) => wait === 0)).toEqual([true, true, true, true, true, true, false]);
    expect([(await budget.take('app', 'required')).waitMs, (await budget.take('app', 'required')).waitMs]).toEqual([0, 0]);
    expect((await budget.take('app', 'required')).waitMs).toBeGreaterThan(0);
  });

  it('lets the first draft of a card that shows nothing yet into the quarter later drafts leave free', async () => {
    const budget = new CardCallBudget(redis, redisKeys(`${prefix}-first`), { qps: 8 });
    for (let i = 0; i < 6; i += 1) expect((await budget.take('app', 'optional')).waitMs).toBe(0);
    // Later drafts have used their share; a card's first words still go, as a creation would.
    expect((await budget.take('app', 'optional')).waitMs).toBeGreaterThan(0);
    expect([(await budget.take('app', 'first')).waitMs, (await budget.take('app', 'first')).waitMs]).toEqual([0, 0]);
    // The whole second is used: the first draft now waits like everything else.
    expect((await budget.take('app', 'first')).waitMs).toBeGreaterThan(0);
  });

  it('counts a granted call from when it left: a call held up after its grant keeps its slot longer', async () => {
    const keys = redisKeys(`${prefix}-depart`);
    const budget = new CardCallBudget(redis, keys, { qps: 1 });
    const held = await budget.take('app', 'required');
    expect(held.waitMs).toBe(0);
    await sleep(300);
    await budget.depart('app', held.callId);
    // Counted from its grant, the slot would free in about 800 ms; from its departure, in about 1100.
    expect((await budget.take('app', 'required')).waitMs).toBeGreaterThan(CARD_WINDOW_MS - 50);
  });

  it('holds back every call of the app while paused, and a shorter pause does not cut a longer one', async () => {
    const keys = redisKeys(`${prefix}-pause`);
    const a = new CardCallBudget(redis, keys, { qps: 100 });
    const b = new CardCallBudget(other, keys, { qps: 100 });
    expect(await a.pause('app', 800)).toBeGreaterThan(700);
    expect(await b.pause('app', 100)).toBeGreaterThan(700);
    const { waitMs: wait } = await b.take('app', 'required');
    expect(wait).toBeGreaterThan(600);
    expect(wait).toBeLessThanOrEqual(800);
    expect((await b.take('another-app', 'optional')).waitMs).toBe(0);
  });
});
