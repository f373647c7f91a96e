import { hostileText } from '@dtbot/hostile-text';
import { redisCommandsRunBy } from '@dtbot/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CountedAsker } from '../src/counting/counted-as.js';
import { UsageLedger, type Spend } from '../src/usage/usage-ledger.js';
import { countedAskerFor } from './counted-asker-for.js';
import { useTestRedis } from './test-redis.js';

// UsageLedger against a real Redis, with the clock in the test's hands.
const store = useTestRedis('usage-ledger');
const { keys } = store;

/** 2026-12-dd at hh:mm in Shanghai (UTC+8). */
const shanghai = (day: number, hour: number, minute = 0) => Date.UTC(2026, 11, day, hour - 8, minute);
let robots = 0;
/** A ledger on a robot of its own, so tests do not share figures. */
function ledgerFor(clock: { now: number }, retentionDays = 30) {
  robots += 1;
  const robotCode = `robot${robots}`;
  const ledger = new UsageLedger(store.redis, keys, { retentionDays, timeZone: 'Asia/Shanghai' }, () => clock.now);
  const asker = countedAskerFor(robotCode);
  // Real job ids carry their robot (in the order key); these do too, so tests do not share call marks.
  const record = (jobId: string, callId: string, who: CountedAsker, spend: Spend) => ledger.record(`${robotCode}:${jobId}`, callId, who, spend);
  return { ledger, asker, robotCode, record };
}
/** Text Redis gives back as it was sent: a lone surrogate half leaves as U+FFFD, in any layout. */
const survivesUtf8 = (text: string) => Buffer.from(text).toString() === text;
const chat = (tokensIn: number, tokensOut: number, costUsd: number | undefined, model = 'gpt-4o-mini'): Spend => ({ model, tokensIn, tokensOut, images: 0, costUsd });

describe('UsageLedger', () => {
  it('adds each call to its model, its user and its group, and reads them back most costly first', async () => {
    const clock = { now: shanghai(1, 10) };
    const { ledger, asker, record } = ledgerFor(clock);
    await record('job-1', 'call-1', asker('alice', 'cid-team'), chat(1000, 200, 0.0003));
    await record('job-2', 'call-2', asker('bob', 'cid-team'), chat(3000, 600, 0.0009));
    await record('job-3', 'call-3', asker('alice'), chat(500, 100, 0.00015));
    await record('job-4', 'call-4', asker('alice'), { model: 'dall-e-3', tokensIn: 0, tokensOut: 0, images: 1, costUsd: 0.04 });

    const { today } = await ledger.report(asker('x').robotCode, 7);
    expect(today.days).toEqual(['2026-12-01']);
    expect(today.total).toEqual({ tokensIn: 4500, tokensOut: 900, calls: 3, images: 1, costUsd: expect.closeTo(0.04135, 9), unpriced: 0 });
    expect(today.models.map((row) => [row.id, row.calls, row.images])).toEqual([['dall-e-3', 0, 1], ['gpt-4o-mini', 3, 0]]);
    expect(today.users.map((row) => [row.id, row.name, row.tokensIn, row.tokensOut, row.calls, row.images])).toEqual([
      ['alice', 'nick-alice', 1500, 300, 2, 1],
      ['bob', 'nick-bob', 3000, 600, 1, 0],
    ]);
    // A private chat is its user's, not a group's.
    expect(today.groups.map((row) => [row.id, row.name, row.tokensIn, row.costUsd])).toEqual([['cid-team', 'title-cid-team', 4000, expect.closeTo(0.0012, 9)]]);
  });

  it('records a call once, however often its script is sent', async () => {
    const clock = { now: shanghai(2, 9) };
    const { ledger, asker, robotCode, record } = ledgerFor(clock);
    expect(await record('job-1', 'call-1', asker('carol'), chat(100, 10, 0.001))).toBe(true);
    expect(await record('job-1', 'call-1', asker('carol'), chat(100, 10, 0.001))).toBe(false);
    // A second call of the same job (its answer was lost, the model asked again) is a cost of its own.
    expect(await record('job-1', 'call-2', asker('carol'), chat(100, 10, 0.001))).toBe(true);
    const { today } = await ledger.report(robotCode, 7);
    expect(today.total).toMatchObject({ tokensIn: 200, calls: 2, costUsd: expect.closeTo(0.002, 9) });
  });

  it('counts calls it cannot price, and leaves them out of the spend', async () => {
    const clock = { now: shanghai(3, 9) };
    const { ledger, asker, robotCode, record } = ledgerFor(clock);
    await record('job-1', 'call-1', asker('dave'), chat(100, 10, undefined, 'mystery-model'));
    await record('job-2', 'call-2', asker('dave'), chat(100, 10, 0.5));
    const { today } = await ledger.report(robotCode, 7);
    expect(today.models.map((row) => [row.id, row.unpriced, row.costUsd])).toEqual([['gpt-4o-mini', 0, 0.5], ['mystery-model', 1, 0]]);
    expect(await ledger.spentToday(robotCode)).toMatchObject({ robotUsd: 0.5 });
  });

  it('keeps each day apart, reports the last days together, and starts a new day at local midnight', async () => {
    const clock = { now: shanghai(10, 23, 59) };
    const { ledger, asker, robotCode, record } = ledgerFor(clock);
    await record('j1', 'c1', asker('erin'), chat(100, 10, 1));
    clock.now = shanghai(11, 0, 1);
    await record('j2', 'c2', asker('erin'), chat(200, 20, 2));
    expect(await ledger.spentToday(robotCode)).toEqual({ robotUsd: 2, allUsd: expect.any(Number), msToMidnight: (24 * 60 - 1) * 60_000 });
    const { today, period } = await ledger.report(robotCode, 7);
    expect(today.total).toMatchObject({ tokensIn: 200, costUsd: 2 });
    expect(period.days).toEqual(['2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11']);
    expect(period.total).toMatchObject({ tokensIn: 300, tokensOut: 30, calls: 2, costUsd: 3 });
    // A week later the first day is out of the report.
    clock.now = shanghai(17, 12);
    expect((await ledger.report(robotCode, 7)).period.total).toMatchObject({ tokensIn: 200 });
  });

  it('sums the spend of every robot for the deployment budget', async () => {
    const clock = { now: shanghai(20, 8) };
    const first = ledgerFor(clock);
    const second = ledgerFor(clock);
    await first.record('a', 'a', first.asker('u'), chat(1, 1, 1.25));
    await second.record('b', 'b', second.asker('u'), chat(1, 1, 0.5));
    const spent = await first.ledger.spentToday(first.robotCode);
    expect(spent.robotUsd).toBe(1.25);
    expect(spent.allUsd).toBeCloseTo(1.75, 9);
  });

  it('lets every key of a day expire by itself USAGE_RETENTION_DAYS after the day ends', async () => {
    const clock = { now: shanghai(25, 15) };
    const { asker, robotCode, record } = ledgerFor(clock, 7);
    await record('job-ttl', 'call-ttl', asker('frank', 'cid-ttl'), chat(10, 1, 0.1));
    const endOfDay = shanghai(26, 0) / 1000;
    const day = '2026-12-25';
    for (const key of [keys.usageDay(robotCode, day), keys.usageSpent(day)]) {
      expect(await store.redis.call('EXPIRETIME', key), key).toBe(endOfDay + 7 * 86_400);
    }
    const counted = await store.redis.ttl(keys.usageCounted(`${robotCode}:job-ttl`, 'call-ttl'));
    expect(counted).toBeGreaterThan(86_000);
    expect(counted).toBeLessThanOrEqual(86_400);
  });

  it('records a call with 4 Redis commands, 5 with a price, and sets a day key\'s expiry only as it creates it', async () => {
    const clock = { now: shanghai(27, 9) };
    const { asker, record } = ledgerFor(clock);
    const run = (act: () => Promise<unknown>) => redisCommandsRunBy(store.redis, store.prefix, async () => void (await act()));
    // The day before, so the script is loaded (its first run is an EVAL) and the day's keys are still new.
    clock.now = shanghai(26, 9);
    await record('job-0', 'call-0', asker('gina'), chat(1, 1, 0.25));
    clock.now = shanghai(27, 9);
    // The day's first call creates the day's hash (and, priced, the robot's spend field): each gets its expiry.
    expect(await run(() => record('job-1', 'call-1', asker('gina'), chat(10, 2, 0.25)))).toEqual(['evalsha', 'set', 'hmget', 'hset', 'expireat', 'hincrby', 'expireat']);
    // A new user of a model the day already has: the hash exists, so it has its expiry; so has the spend.
    expect(await run(() => record('job-2', 'call-2', asker('hank', 'cid-x'), chat(10, 2, 0.25)))).toEqual(['evalsha', 'set', 'hmget', 'hset', 'hincrby']);
    expect(await run(() => record('job-3', 'call-3', asker('hank'), chat(10, 2, undefined, 'mystery-model')))).toEqual(['evalsha', 'set', 'hmget', 'hset']);
    // Sent again: the call's mark stops it before anything is read.
    expect(await run(() => record('job-3', 'call-3', asker('hank'), chat(10, 2, undefined, 'mystery-model')))).toEqual(['evalsha', 'set']);
  });

  it('sums a day recorded partly in the layout before (a counter per figure) and partly in rows, exactly', async () => {
    const clock = { now: shanghai(28, 9) };
    const { ledger, asker, robotCode, record } = ledgerFor(clock);
    const day = '2026-12-28';
    // What a worker of the layout before wrote for one call of ivan in group cid-old.
    const before = store.redis.multi();
    for (const [key, id] of [[keys.usageModels(robotCode, day), 'gpt-4o-mini'], [keys.usageUsers(robotCode, day), 'ivan'], [keys.usageGroups(robotCode, day), 'cid-old']] as const) {
      before.hincrby(key, `in|${id}`, 100).hincrby(key, `out|${id}`, 20).hincrby(key, `calls|${id}`, 1).hincrby(key, `cost|${id}`, 300_000_000);
    }
    await before.hset(keys.usageNames(robotCode, day), 'ivan', 'old-nick', 'cid-old', 'old-title').exec();
    await record('job-1', 'call-1', asker('ivan', 'cid-old'), chat(50, 5, 0.2));
    await record('job-2', 'call-2', asker('judy'), { model: 'dall-e-3', tokensIn: 0, tokensOut: 0, images: 2, costUsd: 0.08 });
    const { today, period } = await ledger.report(robotCode, 7);
    expect(today.total).toEqual({ tokensIn: 150, tokensOut: 25, calls: 2, images: 2, costUsd: expect.closeTo(0.58, 9), unpriced: 0 });
    expect(today.models.map((row) => [row.id, row.tokensIn, row.calls, row.images])).toEqual([['gpt-4o-mini', 150, 2, 0], ['dall-e-3', 0, 0, 2]]);
    // The name last seen is the current layout's.
    expect(today.users.map((row) => [row.id, row.name, row.tokensIn])).toEqual([['ivan', 'nick-ivan', 150], ['judy', 'nick-judy', 0]]);
    expect(today.groups.map((row) => [row.id, row.name, row.tokensOut, row.calls])).toEqual([['cid-old', 'title-cid-old', 25, 2]]);
    expect(period.total).toEqual(today.total);
  });

  it('keeps sums exact up to nano-dollars in the billions, as whole numbers', async () => {
    const clock = { now: shanghai(29, 9) };
    const { ledger, asker, robotCode, record } = ledgerFor(clock);
    // 4.5 million dollars twice: 9e15 nano-dollars, under 2^53.
    await record('job-1', 'call-1', asker('kim'), chat(2 ** 40, 3, 4_500_000.000000001));
    await record('job-2', 'call-2', asker('kim'), chat(2 ** 40, 4, 4_499_999.999999999));
    const { today } = await ledger.report(robotCode, 1);
    expect(today.users).toMatchObject([{ id: 'kim', tokensIn: 2 ** 41, tokensOut: 7, calls: 2, costUsd: 9_000_000 }]);
    expect(await store.redis.hget(keys.usageDay(robotCode, '2026-12-29'), 'u|kim')).toBe(`${2 ** 41} 7 2 0 9000000000000000 0`);
  });

  it('loses no call, id or name, whatever text the ids and names hold', async () => {
    const clock = { now: shanghai(30, 9) };
    const { ledger, asker, robotCode, record } = ledgerFor(clock);
    let calls = 0;
    const wellFormed: { user: string; nick: string }[] = [];
    await fc.assert(
      fc.asyncProperty(hostileText({ maxLength: 300 }), hostileText({ maxLength: 300 }), hostileText({ maxLength: 300 }), async (user, nick, model) => {
        calls += 1;
        const who = { ...asker('x'), senderStaffId: `${calls}:${user}`, senderNick: nick };
        expect(await record(`job-${calls}`, `call-${calls}`, who, chat(3, 1, undefined, model))).toBe(true);
        if (survivesUtf8(user) && survivesUtf8(nick)) wellFormed.push({ user: `${calls}:${user}`, nick: nick || `${calls}:${user}` });
      }),
      { numRuns: 40 },
    );
    const { today } = await ledger.report(robotCode, 1);
    expect(today.total).toMatchObject({ tokensIn: 3 * calls, tokensOut: calls, calls, unpriced: calls });
    expect(today.users).toHaveLength(calls);
    for (const { user, nick } of wellFormed) expect(today.users.find((row) => row.id === user)).toMatchObject({ name: nick, tokensIn: 3, calls: 1 });
  });
});
