import { describe, expect, it } from 'vitest';
import { shardKeys } from '@dtbot/shared';
import { buildCallback, redisCommandsRunBy } from '@dtbot/testkit';
import { messageDelivery } from '../src/delivery/message-delivery.js';
import type { ReplyMessage } from '../src/delivery/format-reply.js';
import { createWorkerMetrics } from '../src/metrics.js';
import { messageJobFor } from './message-job-for.js';
import { useTestRedis } from './test-redis.js';

// messageDelivery against a real Redis: what a delivered part costs, and that a retry sends no part twice.
const store = useTestRedis('message-delivery');
const keys = shardKeys(store.prefix);

function delivery(jobId: string, unwritten = false) {
  const sent: ReplyMessage[] = [];
  const deps = { redis: store.redis, keys, metrics: createWorkerMetrics() };
  const data = messageJobFor(buildCallback({ text: 'hello' }));
  const open = () =>
    messageDelivery(
      deps,
      jobId,
      data,
      'answer',
      async (message) => {
        sent.push(message);
        return 'webhook';
      },
      unwritten,
    );
  return { open, sent };
}

describe('messageDelivery', () => {
  it('a one-part answer reads the record and records the part with its TTL in 4 Redis commands', async () => {
    const { open, sent } = delivery('job-one-part');
    await open().finish('warm-up'); // loads the record script, so no NOSCRIPT round is watched
    const next = delivery('job-one-part-watched');
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => next.open().finish('the answer'));
    expect(commands).toEqual(['hgetall', 'evalsha', 'hset', 'expire']);
    expect(sent).toHaveLength(1);
    expect(next.sent).toHaveLength(1);
    const key = keys.delivered('job-one-part-watched');
    expect(await store.redis.hgetall(key)).toEqual({ 'answer.0': 'webhook' });
    expect(await store.redis.ttl(key)).toBeGreaterThan(0);
  });

  it('a retried answer sends none of the parts already recorded', async () => {
    const { open, sent } = delivery('job-retried');
    await open().finish('the answer');
    await open().finish('the answer');
    expect(sent).toHaveLength(1);
  });

  it('on a job\'s first start, records the answer\'s part in 3 Redis commands: there is no record to read yet', async () => {
    await delivery('job-first-warm').open().finish('warm-up');
    const first = delivery('job-first-start', true);
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => first.open().finish('the answer'));
    expect(commands).toEqual(['evalsha', 'hset', 'expire']);
    expect(await store.redis.hgetall(keys.delivered('job-first-start'))).toEqual({ 'answer.0': 'webhook' });
    // A later start reads the record, and sends nothing again.
    const again = delivery('job-first-start');
    expect(await redisCommandsRunBy(store.redis, store.prefix, () => again.open().finish('the answer'))).toEqual(['hgetall']);
    expect(again.sent).toHaveLength(0);
  });

  it('on a job\'s first start, still reads the record for a text of another label (a notice sent before it)', async () => {
    const first = delivery('job-first-notice', true);
    await first.open().hold('you are 3rd');
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => first.open().hold('you are 3rd'));
    expect(commands).toEqual(['hgetall']);
    expect(first.sent).toHaveLength(1);
  });
});
