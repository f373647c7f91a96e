import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../redis/keys.js';
import { deliverPlaygroundAnswer, PLAYGROUND_TRANSCRIPT_ENTRIES } from './playground-answers.js';

// Real Redis, own prefix per run; every key is removed afterwards.
const prefix = `{dtbot-test-playground-${randomUUID().slice(0, 8)}}`;
const keys = redisKeys(prefix);
const answer = { title: 't', text: 'x', atUserIds: [] };
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  const left = await redis.keys(`${prefix.replace(/[{}]/g, '\\$&')}*`);
  if (left.length > 0) await redis.del(...left);
  await redis.quit();
});

const open = (sessionId: string, expiresAt: number) => redis.zadd(keys.playgroundSessions(), expiresAt, sessionId);

describe('deliverPlaygroundAnswer', () => {
  it('touches keys of one Cluster slot only: the sessions set and every transcript share the prefix\'s hash tag', () => {
    const slot = calculateSlot(keys.playgroundSessions());
    for (const sessionId of ['A'.repeat(22), 'zz_-9'.repeat(4) + 'ab', '{other}']) expect(calculateSlot(keys.playgroundTranscript(sessionId))).toBe(slot);
  });

  it('keeps the last entries of a busy session, as the gateway trims its own', async () => {
    const sessionId = 'B'.repeat(22);
    await open(sessionId, Date.now() + 60_000);
    for (let n = 0; n < PLAYGROUND_TRANSCRIPT_ENTRIES + 5; n += 1) {
      expect(await deliverPlaygroundAnswer(redis, keys, { sessionId, chatId: 'p.a' }, { ...answer, text: `n${n}` })).toBe('delivered');
    }
    const rows = await redis.xrange(keys.playgroundTranscript(sessionId), '-', '+');
    expect(rows).toHaveLength(PLAYGROUND_TRANSCRIPT_ENTRIES);
    expect(JSON.parse(rows.at(-1)![1][1]!)).toMatchObject({ kind: 'answer', chatId: 'p.a', format: 'markdown', text: `n${PLAYGROUND_TRANSCRIPT_ENTRIES + 4}` });
  });

  it('refuses a session from the moment its expiry is reached, writing nothing; before it, the transcript expires with it', async () => {
    const sessionId = 'C'.repeat(22);
    const expiresAt = Date.now() + 60_000;
    await open(sessionId, expiresAt);
    expect(await deliverPlaygroundAnswer(redis, keys, { sessionId, chatId: 'p.a' }, answer, expiresAt)).toBe('session_gone');
    expect(await redis.exists(keys.playgroundTranscript(sessionId))).toBe(0);
    expect(await deliverPlaygroundAnswer(redis, keys, { sessionId, chatId: 'p.a' }, answer, expiresAt - 1)).toBe('delivered');
    expect(await redis.xlen(keys.playgroundTranscript(sessionId))).toBe(1);
    expect(await redis.pexpiretime(keys.playgroundTranscript(sessionId))).toBe(expiresAt);
  });
});
