import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shardKeys } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisCommandsRunBy, redisUrlForTests } from '@dtbot/testkit';
import { ConversationMemory } from '../src/memory/conversation-memory.js';
import { createTokenCounter, MESSAGE_FRAMING_TOKENS } from '../src/tokens/token-counter.js';

const prefix = createTestPrefix('memory');
const keys = shardKeys(prefix);
const counter = createTokenCounter('gpt-4o-mini');
/** A memory budget none of these threads reaches. */
const BUDGET = 1000;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('ConversationMemory', () => {
  it('stores each turn with its tokenizer count, so later messages need not count it again', async () => {
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    await memory.append('counted', 'job-1', 'hello world', '你好', BUDGET);
    const stored = JSON.parse((await redis.get(keys.memory('counted')))!) as { turns: { tokens: number }[] };
    expect(stored.turns.map((turn) => turn.tokens)).toEqual([counter.message('hello world'), counter.message('你好')]);
    expect(stored.turns[0]!.tokens).toBe(2 + MESSAGE_FRAMING_TOKENS);
    expect(await memory.load('counted', 'reader')).toEqual([
      { role: 'user', content: 'hello world', tokens: 2 + MESSAGE_FRAMING_TOKENS },
      { role: 'assistant', content: '你好', tokens: counter.message('你好') },
    ]);
  });

  it('keeps the newest turns within the budget it is given (the robot\'s memoryMaxTokens) as the tokenizer counts them', async () => {
    const pair = counter.message('question 1') + counter.message('answer 1');
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    for (let i = 1; i <= 4; i += 1) await memory.append('trimmed', `job-${i}`, `question ${i}`, `answer ${i}`, 2 * pair);
    expect((await memory.load('trimmed', 'reader')).map((turn) => turn.content)).toEqual(['question 3', 'answer 3', 'question 4', 'answer 4']);
  });

  it('does not store a retried job\'s turn twice', async () => {
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    await memory.append('retried', 'job-1', 'q', 'a', BUDGET);
    await memory.append('retried', 'job-1', 'q', 'a', BUDGET);
    expect(await memory.load('retried', 'reader')).toHaveLength(2);
  });

  it('counts turns stored without a count (older memory) once when reading them', async () => {
    await redis.set(
      keys.memory('older'),
      JSON.stringify({ lastJobId: 'old', turns: [{ role: 'user', content: 'hello world' }, { role: 'assistant', content: 'hi' }] }),
    );
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    expect((await memory.load('older', 'reader')).map((turn) => turn.tokens)).toEqual([counter.message('hello world'), counter.message('hi')]);
  });

  it('forgets memory it cannot read instead of failing every answer', async () => {
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    await redis.set(keys.memory('broken'), '{not json');
    expect(await memory.load('broken', 'reader')).toEqual([]);
    await redis.set(keys.memory('wrong-shape'), JSON.stringify({ turns: 'nope' }));
    expect(await memory.load('wrong-shape', 'reader')).toEqual([]);
    await memory.append('wrong-shape', 'job-1', 'q', 'a', BUDGET);
    expect(await memory.load('wrong-shape', 'reader')).toHaveLength(2);
  });

  it('reads the thread once per message: a job\'s append reuses its own load, anyone else\'s reads again', async () => {
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    await memory.append('once', 'job-1', 'first', 'one', BUDGET);
    const gets = vi.spyOn(redis, 'get');
    try {
      expect(await memory.load('once', 'job-2')).toHaveLength(2);
      await memory.append('once', 'job-2', 'second', 'two', BUDGET);
      expect(gets).toHaveBeenCalledTimes(1);
      // A load kept for another job is not trusted.
      await memory.load('once', 'job-3');
      await memory.append('once', 'job-4', 'fourth', 'four', BUDGET);
      expect(gets).toHaveBeenCalledTimes(3);
    } finally {
      gets.mockRestore();
    }
    expect((await memory.load('once', 'reader')).map((turn) => turn.content)).toEqual(['first', 'one', 'second', 'two', 'fourth', 'four']);
  });

  it('does not store a retried job\'s turn twice when the retry loads first, as the model step does', async () => {
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await memory.load('retried-loaded', 'job-1');
      await memory.append('retried-loaded', 'job-1', 'q', 'a', BUDGET);
    }
    expect(await memory.load('retried-loaded', 'reader')).toHaveLength(2);
  });

  it('reads the turns and another key of the thread (its persona) in one MGET, and its append reads nothing again', async () => {
    const memory = new ConversationMemory(redis, keys, counter, { ttlSeconds: 60 });
    await memory.append('with-persona', 'job-1', 'question 1', 'answer 1', BUDGET);
    await redis.set(keys.persona('with-persona'), '翻译官');
    const commands = await redisCommandsRunBy(redis, prefix, async () => {
      const { turns, alongside } = await memory.loadWith('with-persona', 'job-2', keys.persona('with-persona'));
      expect(turns.map((turn) => turn.content)).toEqual(['question 1', 'answer 1']);
      expect(alongside).toBe('翻译官');
      await memory.append('with-persona', 'job-2', 'question 2', 'answer 2', BUDGET);
    });
    expect(commands).toEqual(['mget', 'set']);
    expect(await memory.loadWith('nothing-yet', 'job-1', keys.persona('nothing-yet'))).toEqual({ turns: [], alongside: null });
    await redis.set(keys.memory('unreadable'), '{not json');
    expect(await memory.loadWith('unreadable', 'job-1', keys.persona('unreadable'))).toEqual({ turns: [], alongside: null });
  });
});
