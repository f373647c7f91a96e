import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, redisCallsRunBy, type RedisCall } from '@dtbot/testkit';
import type { Redis } from 'ioredis';
import { localDay } from '../src/counting/local-day.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// What one answered message costs Redis in our own code, command by command (BullMQ's scripts and the test's
// own storing of the job left out): the sum the drain benchmark measures, held here one command at a time.
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({ label: 'redis-per-message' });
  // Every script loaded, so no NOSCRIPT round is watched.
  await harness.ask(harness.message({ text: 'warm-up', senderStaffId: 'warm-up' }));
});

afterAll(async () => {
  await harness?.close();
});

/** The calls our code sent itself (not those its scripts ran), each as "command key", ids replaced by their kind. */
function ours(calls: RedisCall[], jobId: string): string[] {
  const thread = jobId.slice(0, jobId.lastIndexOf('.'));
  const { day } = localDay('Asia/Shanghai', Date.now());
  return calls
    .filter(({ inScript, key }) => !inScript && key !== undefined && !key.startsWith(':messages:') && !key.startsWith(':notice:'))
    .map(({ command, key }) =>
      `${command} ${key!
        .replaceAll(jobId, '<job>')
        .replaceAll(thread, '<thread>')
        .replaceAll(DEFAULT_ROBOT_CODE, '<robot>')
        .replaceAll(day, '<day>')
        .replace(/^(:(?:last-answer|recent-answers):<robot>:)[^:]+/, '$1<conversation>')}`,
    );
}

describe('an answered message', () => {
  it('on its first start, reads no kept answer, card, delivery record or stop mark: 12 calls of our own', async () => {
    let jobId = '';
    const calls = await redisCallsRunBy(harness.deps.redis as Redis, harness.prefix, async () => {
      const answered = await harness.ask(harness.message({ text: 'what is a queue?', senderStaffId: 'first-start' }));
      expect(answered.outcome).toBe('completed');
      jobId = answered.jobId;
    });
    expect(ours(calls, jobId)).toEqual([
      'evalsha :order:<thread>:done', // the turn
      'evalsha :quota:<robot>:<day>:users', // the daily quota
      // Nothing for a stop: none can be asked of a job before its first start, and a stop word finds the answer
      // in the memory of the worker writing it.
      'mget :memory:<thread>', // the thread's memory and persona
      'evalsha :rate:requests', // the rate limiter's admission
      'evalsha :rate:congestion', // and its release
      'evalsha :usage:<robot>:<day>', // the usage ledger
      'set :answer:<job>', // the answer kept for a retry
      // Written: one of the conversation's latest (a quoting feedback word), in a private chat also what a feedback
      // word alone rates.
      'lpush :recent-answers:<robot>:<conversation>',
      'expire :recent-answers:<robot>:<conversation>',
      'set :delivered:<job>', // the part delivered
      'set :memory:<thread>',
      'evalsha :order:<thread>:done', // the end of the turn
    ]);
    // With what the scripts run, from the turn on (Redis' TIME, which names no key, left out): what INFO
    // commandstats counts of ours, 29 commands and TIME
    // (2 of them the bookkeeping of stops and feedback).
    const ourKeys = ({ key }: RedisCall) => key !== undefined && !key.startsWith(':messages:') && !key.startsWith(':notice:');
    const fromTurn = calls.filter(ourKeys).slice(calls.filter(ourKeys).findIndex(({ key }) => key?.endsWith(':done')));
    expect(fromTurn.map(({ command }) => command)).toEqual([
      ...['evalsha', 'get'],
      ...['evalsha', 'set', 'hincrby', 'expire', 'hset', 'expire'],
      'mget',
      ...['evalsha', 'hmget', 'zadd'],
      ...['evalsha', 'hget', 'zrem'],
      ...['evalsha', 'set', 'hmget', 'hset'],
      'set',
      ...['lpush', 'expire'],
      'set',
      'set',
      ...['evalsha', 'set', 'exists', 'decr'],
    ]);
  });
});
