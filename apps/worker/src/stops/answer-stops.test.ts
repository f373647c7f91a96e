import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger, readCardAnswer, redisKeys, requestStop } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisCommandsRunBy, redisUrlForTests, waitFor } from '@dtbot/testkit';
import { AnswerFeedback } from '../usage/answer-feedback.js';
import { AnswerStops, RECENT_ANSWERS, STOP_WORD_STOPPED, type WatchedAnswer } from './answer-stops.js';

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
    await stops.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'carded' }, outcome('after-the-end'));
    await settled();
    expect(await gateway.exists(outcome('after-the-end'))).toBe(0);
    expect(await gateway.exists(keys.stopMark('job-card'))).toBe(0);
  });

  it('a stop word, from any process, stops the asker\'s answer being written, not another asker\'s, and says so', async () => {
    const [writing, stopWords] = [stopsOfAProcess(), stopsOfAProcess()];
    const watch = await writing.watch(answer('job-word', { asker: 'worded', firstStart: true }));
    await stopWords.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'someone-else' }, outcome('other'));
    await settled();
    expect(watch.signal.aborted).toBe(false);
    expect(await gateway.exists(outcome('other'))).toBe(0);
    await stopWords.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'worded' }, outcome('worded'));
    await waitFor(() => watch.signal.aborted, { timeoutMs: 1000 });
    // Set before the answer was aborted, so before its turn ends; and the job's mark, for a take of it again.
    expect(await gateway.get(outcome('worded'))).toBe(STOP_WORD_STOPPED);
    expect(await gateway.exists(keys.stopMark('job-word'))).toBe(1);
  });

  it('hears a stop word sent while its subscriber was away, once it is back; not one sent before the answer started', async () => {
    const [writing, stopWords] = [stopsOfAProcess(), stopsOfAProcess()];
    await stopWords.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'away' }, outcome('too-early'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const watch = await writing.watch(answer('job-away', { asker: 'away', firstStart: true }));
    const subscriber = (writing as unknown as { subscriber: Redis }).subscriber;
    const reconnect = () => {
      const back = new Promise((resolve) => subscriber.once('ready', resolve));
      subscriber.disconnect(true);
      return back;
    };
    await reconnect();
    await settled();
    expect(watch.signal.aborted).toBe(false);
    const back = reconnect();
    await stopWords.stopRunning({ robotCode: 'robot', conversationId: 'cid', asker: 'away' }, outcome('while-away'));
    await back;
    await waitFor(() => watch.signal.aborted, { timeoutMs: 2000 });
    expect(await gateway.get(outcome('while-away'))).toBe(STOP_WORD_STOPPED);
    expect(await gateway.exists(outcome('too-early'))).toBe(0);
  });

  it('a first start reads no stop mark: once listening, it costs Redis nothing, or its card\'s record', async () => {
    const stops = stopsOfAProcess();
    await (await stops.watch(answer('job-warm-up', { asker: 'warm-up', firstStart: true }))).end();
    const commands = await redisCommandsRunBy(gateway, prefix, async () => {
      await stops.watch(answer('job-first', { asker: 'first', firstStart: true }));
    });
    expect(commands).toEqual([]);
    const withCard = await redisCommandsRunBy(gateway, prefix, async () => {
      await stops.watch(answer('job-first-card', { asker: 'first-card', firstStart: true, outTrackId: 'track-first' }));
    });
    expect(withCard).toEqual(['hset', 'expire']);
    const again = await redisCommandsRunBy(gateway, prefix, async () => {
      await stops.watch(answer('job-again', { asker: 'again' }));
    });
    expect(again).toEqual(['exists']);
  });

  describe('as it ends, keeps what feedback rates', () => {
    const feedback = () => new AnswerFeedback(gateway, keys);
    const ended = async (stops: AnswerStops, more: Partial<WatchedAnswer>, text: string | undefined, model: string | null = 'gpt-4o') => {
      const watch = await stops.watch(answer(more.jobId ?? 'job', { firstStart: true, ...more }));
      watch.about.persona = 'default';
      if (model !== null) watch.about.model = model;
      return redisCommandsRunBy(gateway, prefix, () => watch.end(text));
    };

    it('in a group: the asker\'s last answer, and a written one among the conversation\'s latest', async () => {
      const stops = stopsOfAProcess();
      const group = { conversationId: 'group-end', group: true };
      expect(await ended(stops, { ...group, jobId: 'job-g1', asker: 'wang' }, 'Redis 是一个内存数据库')).toEqual(['set', 'lpush', 'expire']);
      expect(await feedback().lastAnswer('robot', 'group-end', 'wang', true)).toEqual({ jobId: 'job-g1', robotCode: 'robot', persona: 'default', model: 'gpt-4o' });
      expect(await feedback().lastAnswer('robot', 'group-end', 'li', true)).toBeUndefined();
      // Ended unwritten (its model call failed): nothing of it to rate, its asker's earlier answer no longer rated alone.
      expect(await ended(stops, { ...group, jobId: 'job-g2', asker: 'wang' }, undefined, null)).toEqual(['set']);
      expect(await feedback().lastAnswer('robot', 'group-end', 'wang', true)).toBeUndefined();
      expect(await feedback().quotedAnswer('robot', 'group-end', 'Redis 是一个')).toMatchObject({ jobId: 'job-g1' });
    });

    it('in a private chat: the conversation\'s latest alone, whose newest is its asker\'s last, written or not', async () => {
      const stops = stopsOfAProcess();
      const chat = { conversationId: 'private-end', group: false, asker: 'zhao' };
      expect(await ended(stops, { ...chat, jobId: 'job-p1' }, '队列是先进先出的')).toEqual(['lpush', 'expire']);
      expect(await feedback().lastAnswer('robot', 'private-end', 'zhao', false)).toMatchObject({ jobId: 'job-p1', model: 'gpt-4o' });
      expect(await ended(stops, { ...chat, jobId: 'job-p2' }, undefined, null)).toEqual(['lpush', 'expire']);
      expect(await feedback().lastAnswer('robot', 'private-end', 'zhao', false)).toBeUndefined();
      // The unwritten one has no opening words for a quote to match; the written one is still found.
      expect(await feedback().quotedAnswer('robot', 'private-end', '队列是先进先出')).toMatchObject({ jobId: 'job-p1' });
    });

    it('cuts the conversation\'s latest back to the newest few only once they are twice as many', async () => {
      const stops = stopsOfAProcess();
      const recent = keys.recentAnswers('robot', 'many');
      for (let index = 0; index < 2 * RECENT_ANSWERS - 1; index += 1) {
        expect(await ended(stops, { conversationId: 'many', jobId: `job-m${index}`, asker: `asker-${index}` }, `answer number ${index}`)).toEqual(['set', 'lpush', 'expire']);
      }
      expect(await gateway.llen(recent)).toBe(2 * RECENT_ANSWERS - 1);
      expect(await ended(stops, { conversationId: 'many', jobId: 'job-last', asker: 'last' }, 'the last answer')).toEqual(['set', 'lpush', 'expire', 'ltrim']);
      expect(await gateway.llen(recent)).toBe(RECENT_ANSWERS);
      expect(await feedback().quotedAnswer('robot', 'many', 'the last answer')).toMatchObject({ jobId: 'job-last' });
      expect(await gateway.ttl(recent)).toBeGreaterThan(6 * 86_400);
    });
  });
});

/** A stop word's outcome key, as the stop word step names it. */
function outcome(name: string): string {
  return `${prefix}:stop-word:${name}`;
}

/** Long enough for a published stop word to have reached every subscriber and been acted on. */
function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200));
}
