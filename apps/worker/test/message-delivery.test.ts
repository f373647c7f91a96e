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
  it('a one-part answer reads the record and records the part with its TTL in 2 Redis commands', async () => {
    await delivery('job-one-part').open().finish('warm-up'); // the connection's first use, out of the watched commands
    const next = delivery('job-one-part-watched');
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => next.open().finish('the answer'));
    expect(commands).toEqual(['get', 'set']);
    expect(next.sent).toHaveLength(1);
    const key = keys.delivered('job-one-part-watched');
    expect(await store.redis.get(key)).toBe('answer.0=webhook\n');
    expect(await store.redis.ttl(key)).toBeGreaterThan(0);
  });

  it('a long answer creates the record with its first part and appends the others, each once', async () => {
    const long = Array.from({ length: 3 }, (_, index) => `${index}`.repeat(6000)).join('\n\n');
    const { open, sent } = delivery('job-long', true);
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => open().finish(long));
    expect(sent.length).toBeGreaterThan(1);
    expect(commands).toEqual(['set', ...Array.from({ length: sent.length - 1 }, () => 'append')]);
    const key = keys.delivered('job-long');
    expect(await store.redis.get(key)).toBe(sent.map((_, index) => `answer.${index}=webhook\n`).join(''));
    expect(await store.redis.ttl(key)).toBeGreaterThan(0);
    const retried = delivery('job-long');
    await retried.open().finish(long);
    expect(retried.sent).toHaveLength(0);
  });

  it('a retried answer sends none of the parts already recorded', async () => {
    const { open, sent } = delivery('job-retried');
    await open().finish('the answer');
    await open().finish('the answer');
    expect(sent).toHaveLength(1);
  });

  it('on a job\'s first start, records the answer\'s part in 1 Redis command: there is no record to read yet', async () => {
    const first = delivery('job-first-start', true);
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => first.open().finish('the answer'));
    expect(commands).toEqual(['set']);
    expect(await store.redis.get(keys.delivered('job-first-start'))).toBe('answer.0=webhook\n');
    // A later start reads the record, and sends nothing again.
    const again = delivery('job-first-start');
    expect(await redisCommandsRunBy(store.redis, store.prefix, () => again.open().finish('the answer'))).toEqual(['get']);
    expect(again.sent).toHaveLength(0);
  });

  it('an answer after a notice of the same job adds its line to the notice\'s record', async () => {
    const job = delivery('job-notice-then-answer', true);
    await job.open().hold('you are 3rd');
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => job.open().finish('the answer'));
    expect(commands).toEqual(['set', 'append']);
    expect(await store.redis.get(keys.delivered('job-notice-then-answer'))).toBe('notice.0=webhook\nanswer.0=webhook\n');
    // Neither is sent again by a retry.
    const retried = delivery('job-notice-then-answer');
    await retried.open().hold('you are 3rd');
    await retried.open().finish('the answer');
    expect(retried.sent).toHaveLength(0);
  });

  it('reads and adds to a record an earlier version wrote as a hash, so an upgrade sends no part twice', async () => {
    const key = keys.delivered('job-hash-record');
    await store.redis.hset(key, 'notice.0', 'webhook');
    await store.redis.expire(key, 600);
    const job = delivery('job-hash-record');
    await job.open().hold('you are 3rd');
    expect(job.sent).toHaveLength(0);
    await job.open().finish('the answer');
    expect(job.sent).toHaveLength(1);
    expect(await store.redis.hgetall(key)).toEqual({ 'notice.0': 'webhook', 'answer.0': 'webhook' });
    await job.open().finish('the answer');
    expect(job.sent).toHaveLength(1);
  });

  it('on a job\'s first start, still reads the record for a text of another label (a notice sent before it)', async () => {
    const first = delivery('job-first-notice', true);
    await first.open().hold('you are 3rd');
    const commands = await redisCommandsRunBy(store.redis, store.prefix, () => first.open().hold('you are 3rd'));
    expect(commands).toEqual(['get']);
    expect(first.sent).toHaveLength(1);
  });
});
