import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger, readCardAnswer, redisKeys, requestStop } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests, waitFor } from '@dtbot/testkit';
import { AnswerStops, type WatchedAnswer } from './answer-stops.js';

// Two processes' worth of stop listeners on a real Redis: each hears the stops of the answers it watches, from any
// connection, whether the stop came before or after it started listening.
const prefix = createTestPrefix('answer-stops');
const keys = redisKeys(prefix);
let redis: Redis;
let gateway: Redis;
const open: AnswerStops[] = [];
const connections: Redis[] = [];

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
  gateway = new Redis(redisUrlForTests());
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((stops) => stops.close()));
  await Promise.all(connections.splice(0).map((connection) => connection.quit()));
});
afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await Promise.all([redis.quit(), gateway.quit()]);
});

function stopsOfAProcess(): AnswerStops {
  const connection = new Redis(redisUrlForTests());
  connections.push(connection);
  const stops = new AnswerStops(connection, keys, createLogger('answer-stops-test', 'silent'));
  open.push(stops);
  return stops;
}

const answer = (jobId: string, more: Partial<WatchedAnswer> = {}): WatchedAnswer => ({
  jobId,
  robotCode: 'robot',
  conversationId: 'cid',
  asker: 'li',
  group: true,
  ...more,
});

describe('AnswerStops', () => {
  it('only the process watching the answer aborts it; the other keeps writing its own', async () => {
    const [first, second] = [stopsOfAProcess(), stopsOfAProcess()];
    const mine = await first.watch(answer('job-a', { asker: 'a' }));
    const theirs = await second.watch(answer('job-b', { asker: 'b' }));
    await requestStop(gateway, keys, 'job-a');
    await waitFor(() => mine.signal.aborted, { timeoutMs: 1000 });
    expect(theirs.signal.aborted).toBe(false);
  });

  it('finds a stop sent before it started watching, by the mark', async () => {
    await requestStop(gateway, keys, 'job-early');
    const watch = await stopsOfAProcess().watch(answer('job-early', { asker: 'early' }));
    expect(watch.signal.aborted).toBe(true);
  });

  it('makes the answer findable while written: by its card and by its asker; ended, a stop word finds nothing', async () => {
    const stops = stopsOfAProcess();
    const watch = await stops.watch(answer('job-card', { asker: 'carded', outTrackId: 'track-1' }));
    expect(await readCardAnswer(gateway, keys, 'track-1')).toEqual({
      jobId: 'job-card',
      robotCode: 'robot',
      asker: 'carded',
      group: true,
      state: 'writing',
      persona: undefined,
      model: undefined,
    });
    watch.about.persona = 'default';
    watch.about.model = 'gpt-4o';
    await watch.end('答复: 全文');
    expect(await readCardAnswer(gateway, keys, 'track-1')).toMatchObject({ state: 'done', persona: 'default', model: 'gpt-4o' });
    expect(await stops.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'carded' })).toBe(false);
    expect(await gateway.exists(keys.stopMark('job-card'))).toBe(0);
  });

  it('a stop word stops the asker\'s answer being written, not another asker\'s', async () => {
    const stops = stopsOfAProcess();
    const watch = await stops.watch(answer('job-word', { asker: 'worded' }));
    expect(await stops.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'someone-else' })).toBe(false);
    expect(await stops.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'worded' })).toBe(true);
    await waitFor(() => watch.signal.aborted, { timeoutMs: 1000 });
  });
});
