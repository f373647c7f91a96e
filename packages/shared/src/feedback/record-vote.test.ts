import { connectForTests, removePrefix, testPrefix } from '@dtbot/redis-test';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../redis/keys.js';
import { readFeedbackTally, recordVote } from './record-vote.js';

const prefix = testPrefix('record-vote');
const keys = redisKeys(prefix);
let redis: Redis;
beforeAll(() => {
  redis = connectForTests();
});
afterAll(async () => {
  await removePrefix(redis, prefix);
  await redis.quit();
});

const answer = (jobId: string, model = 'gpt-4o', persona = 'default') => ({ jobId, robotCode: 'robot', model, persona });

describe('recordVote', () => {
  it('counts one vote per person and answer: the same again changes nothing, the other moves it', async () => {
    expect(await recordVote(redis, keys, answer('j1'), 'li', 'up')).toBe('new');
    expect(await recordVote(redis, keys, answer('j1'), 'li', 'up')).toBe('same');
    expect(await recordVote(redis, keys, answer('j1'), 'wang', 'up')).toBe('new');
    expect(await recordVote(redis, keys, answer('j1'), 'li', 'down')).toBe('changed');
    expect(await readFeedbackTally(redis, keys, 'robot')).toEqual([{ model: 'gpt-4o', persona: 'default', up: 1, down: 1 }]);
  });

  it('counts a person once when their presses arrive together, whatever they pressed', async () => {
    const votes = Array.from({ length: 40 }, (_, index) => recordVote(redis, keys, answer('j2', 'qwen'), 'zhao', index % 2 === 0 ? 'up' : 'down'));
    const outcomes = await Promise.all(votes);
    expect(outcomes.filter((outcome) => outcome === 'new')).toHaveLength(1);
    const [row] = (await readFeedbackTally(redis, keys, 'robot')).filter((each) => each.model === 'qwen');
    expect(row!.up + row!.down).toBe(1);
  });

  it('keeps each model and persona apart, most rated first', async () => {
    await recordVote(redis, keys, answer('j3', 'deepseek', '翻译官'), 'a', 'up');
    const tally = await readFeedbackTally(redis, keys, 'robot');
    expect(tally.map((row) => `${row.model}/${row.persona}`)).toEqual(['gpt-4o/default', 'qwen/default', 'deepseek/翻译官']);
  });
});
