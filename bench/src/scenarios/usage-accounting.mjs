import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startRedisServer } from '@dtbot/redis-server';
import { redisKeys } from '@dtbot/shared';
import { progress } from '../progress.mjs';
import { round } from '../stats.mjs';

/** Model calls recorded per variant; users and groups spread as in a busy company's day. */
const CALLS = 5000;
const USERS = 500;
const GROUPS = 50;
/** Calls in flight at once, as one worker's default WORKER_CONCURRENCY. */
const CONCURRENCY = 20;
const TIME_ZONE = 'Asia/Shanghai';

/** Calls and server time (µs) per command since the server started, from INFO commandstats. */
async function commandStats(redis) {
  const info = await redis.info('commandstats');
  const stats = new Map();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) stats.set(match[1], { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
}

/**
 * Commands and Redis server time per call. A script's own time (`evalsha`) already includes the commands it
 * runs, which commandstats also lists on their own: with a script, its time is the server time.
 */
function perCall(before, after, calls) {
  let commands = 0;
  let usec = 0;
  let scriptUsec = 0;
  for (const [command, now] of after) {
    if (command === 'info') continue;
    const then = before.get(command) ?? { calls: 0, usec: 0 };
    commands += now.calls - then.calls;
    usec += now.usec - then.usec;
    if (command === 'evalsha' || command === 'eval') scriptUsec += now.usec - then.usec;
  }
  return { commands: round(commands / calls, 1), serverUs: round((scriptUsec > 0 ? scriptUsec : usec) / calls, 1) };
}

/** Runs `record(i)` for every call, `CONCURRENCY` at a time; µs of wall time per call. */
async function timed(record) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) await record(next++);
    }),
  );
  return ((performance.now() - started) * 1000) / CALLS;
}

const askerOf = (index) => {
  const user = `user${index % USERS}`;
  const inGroup = index % 3 !== 0;
  return {
    robotCode: 'dingbench',
    senderStaffId: user,
    senderId: `$:LWCP_v1:$${user}`,
    senderNick: `昵称${index % USERS}`,
    conversationId: inGroup ? `cid-group-${index % GROUPS}` : `cid-private-${user}`,
    conversationType: inGroup ? '2' : '1',
    conversationTitle: inGroup ? `群${index % GROUPS}` : undefined,
  };
};
const spendOf = (index) => ({ model: 'gpt-4o-mini', tokensIn: 800 + (index % 400), tokensOut: 200 + (index % 300), images: 0, costUsd: 0.00025 });

/**
 * What a plain implementation sends for the same figures: one command per update (the counted mark,
 * five counters for each of model, user and group, two names, the day's spend, each key's expiry),
 * either awaited one after another or queued in one MULTI.
 */
function plainCommands(keys, day, index, expireAt) {
  const asker = askerOf(index);
  const spend = spendOf(index);
  const user = asker.senderStaffId;
  const group = asker.conversationType === '2' ? asker.conversationId : '';
  const cost = Math.round(spend.costUsd * 1e9);
  const commands = [
    ['set', keys.usageCounted(`plain-${index}`, `call-${index}`), 1, 'NX', 'EX', 86_400],
  ];
  const counters = (key, id) => [
    ['hincrby', key, `in|${id}`, spend.tokensIn],
    ['hincrby', key, `out|${id}`, spend.tokensOut],
    ['hincrby', key, `calls|${id}`, 1],
    ['hincrby', key, `cost|${id}`, cost],
    ['expireat', key, expireAt],
  ];
  commands.push(...counters(keys.usageModels('dingplain', day), spend.model), ...counters(keys.usageUsers('dingplain', day), user));
  commands.push(['hset', keys.usageNames('dingplain', day), user, asker.senderNick]);
  if (group) commands.push(...counters(keys.usageGroups('dingplain', day), group), ['hset', keys.usageNames('dingplain', day), group, asker.conversationTitle]);
  commands.push(['expireat', keys.usageNames('dingplain', day), expireAt], ['hincrby', keys.usageSpent(day), 'dingplain', cost], ['expireat', keys.usageSpent(day), expireAt]);
  return commands;
}

/**
 * 9. Usage accounting: what recording one model call's usage costs Redis and the worker (the
 * ledger's one script per call, all figures of the call in it), next to the same updates sent as
 * plain commands (one round trip each, or queued in one MULTI), measured in the same run on a
 * redis-server of the scenario's own; and the daily budget's check before a call (one HGETALL).
 */
export async function usageAccounting() {
  const { UsageLedger } = await import('../../../apps/worker/dist/usage/usage-ledger.js');
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const keys = redisKeys('{bench-usage}');
    const ledger = new UsageLedger(redis, keys, { retentionDays: 30, timeZone: TIME_ZONE });
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(Date.now());
    const expireAt = Math.ceil(Date.now() / 1000) + 31 * 86_400;
    // Warm-up: scripts loaded, connections open.
    for (let index = 0; index < 200; index += 1) await ledger.record(`warm-${index}`, `warm-${index}`, askerOf(index), spendOf(index));

    const measure = async (label, record) => {
      const before = await commandStats(redis);
      const us = await timed(record);
      const stats = perCall(before, await commandStats(redis), CALLS);
      progress(`usage accounting: ${label}: ${round(us, 1)} µs per call, ${stats.commands} commands, ${stats.serverUs} µs of Redis time`);
      return { us: round(us, 1), ...stats };
    };
    const script = await measure('one script per call', (index) => ledger.record(`job-${index}`, `call-${index}`, askerOf(index), spendOf(index)));
    const oneByOne = await measure('plain commands, one round trip each', async (index) => {
      for (const [command, ...args] of plainCommands(keys, day, index, expireAt)) await redis.call(command, ...args);
    });
    const multi = await measure('plain commands in one MULTI', (index) => redis.multi(plainCommands(keys, day, index, expireAt)).exec());
    const budgetCheck = await measure('budget check (spend read)', () => ledger.spentToday('dingbench'));

    // Every call recorded once: the figures add up to what was sent.
    const { today } = await ledger.report('dingbench', 7);
    if (today.total.calls !== CALLS + 200) throw new Error(`usage accounting: ${today.total.calls} calls recorded, ${CALLS + 200} sent`);
    const roundTrips = plainCommands(keys, day, 1, expireAt).length;
    return { calls: CALLS, users: USERS, groups: GROUPS, concurrency: CONCURRENCY, script, oneByOne, multi, budgetCheck, plainRoundTrips: roundTrips, speedup: round(oneByOne.us / script.us, 1) };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}
