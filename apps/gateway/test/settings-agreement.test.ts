import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGREEMENT_TTL_MS,
  agreedSettingsOf,
  agreeOnSettings,
  redisKeys,
  watchSettingsAgreement,
  type SettingsAgreementWatch,
} from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests, waitFor } from '@dtbot/testkit';

// Gateways and workers check QUEUE_SHARDS and QUEUE_NOTICE_AFTER_MS against the record the running ones keep in Redis.
const prefix = createTestPrefix('settings-agreement');
let redis: Redis;
const silent = pino({ level: 'silent' });

beforeAll(() => {
  redis = new Redis(redisUrlForTests());
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

/** A record of its own per test, so no test sees another's. */
function recordKey(name: string): string {
  return redisKeys(`${prefix}:${name}`).agreedSettings();
}

describe('agreeOnSettings', () => {
  it('records the first values; the same values agree; QUEUE_SHARDS 3 against a recorded 1 names both and changes nothing', async () => {
    const key = recordKey('shards');
    const running = agreedSettingsOf({ QUEUE_SHARDS: 1, QUEUE_NOTICE_AFTER_MS: 5000 });
    expect(await agreeOnSettings(redis, key, running)).toBeUndefined();
    expect(await agreeOnSettings(redis, key, running)).toBeUndefined();

    const starting = agreedSettingsOf({ QUEUE_SHARDS: 3, QUEUE_NOTICE_AFTER_MS: 5000 });
    expect(await agreeOnSettings(redis, key, starting)).toEqual({ name: 'QUEUE_SHARDS', here: '3', recorded: '1' });
    expect(await redis.hgetall(key)).toEqual({ QUEUE_SHARDS: '1', QUEUE_NOTICE_AFTER_MS: '5000' });
  });

  it('QUEUE_NOTICE_AFTER_MS 0 against a recorded 5000 disagrees, and the record lapses AGREEMENT_TTL_MS after the last refresh', async () => {
    const key = recordKey('notices');
    expect(await agreeOnSettings(redis, key, agreedSettingsOf({ QUEUE_SHARDS: 1, QUEUE_NOTICE_AFTER_MS: 5000 }))).toBeUndefined();
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(AGREEMENT_TTL_MS - 5000);
    expect(ttl).toBeLessThanOrEqual(AGREEMENT_TTL_MS);
    expect(await agreeOnSettings(redis, key, agreedSettingsOf({ QUEUE_SHARDS: 1, QUEUE_NOTICE_AFTER_MS: 0 }))).toEqual({
      name: 'QUEUE_NOTICE_AFTER_MS',
      here: '0',
      recorded: '5000',
    });
  });

  it('a value recorded by an older process for a name this one does not send is left alone; the missing name is added', async () => {
    const key = recordKey('partial');
    await redis.hset(key, 'QUEUE_SHARDS', '2');
    expect(await agreeOnSettings(redis, key, agreedSettingsOf({ QUEUE_SHARDS: 2, QUEUE_NOTICE_AFTER_MS: 0 }))).toBeUndefined();
    expect(await redis.hgetall(key)).toEqual({ QUEUE_SHARDS: '2', QUEUE_NOTICE_AFTER_MS: '0' });
  });
});

describe('watchSettingsAgreement', () => {
  const watches: SettingsAgreementWatch[] = [];
  afterAll(() => {
    for (const watch of watches) watch.stop();
  });

  it('a process starting with QUEUE_SHARDS 2 while 1 is recorded is told to stop, with both values and how to change it', async () => {
    const key = recordKey('start');
    await agreeOnSettings(redis, key, agreedSettingsOf({ QUEUE_SHARDS: 1, QUEUE_NOTICE_AFTER_MS: 5000 }));
    const told: string[] = [];
    watches.push(
      await watchSettingsAgreement({
        redis,
        key,
        settings: agreedSettingsOf({ QUEUE_SHARDS: 2, QUEUE_NOTICE_AFTER_MS: 5000 }),
        logger: silent,
        onDisagree: (message) => told.push(message),
      }),
    );
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('QUEUE_SHARDS is 2 here but 1 on the gateways and workers already running');
    expect(told[0]).toContain(key);
    expect(told[0]).toContain('start them with the new value 60 s after the last one stopped');
  });

  it('a process that agreed records its values again after the record lapsed (Redis restarted empty)', async () => {
    const key = recordKey('refresh');
    const told: string[] = [];
    const settings = agreedSettingsOf({ QUEUE_SHARDS: 4, QUEUE_NOTICE_AFTER_MS: 3000 });
    watches.push(await watchSettingsAgreement({ redis, key, settings, logger: silent, onDisagree: (message) => told.push(message), refreshMs: 50 }));
    expect(await redis.hgetall(key)).toEqual(settings);
    await redis.del(key);
    await waitFor(async () => (await redis.exists(key)) === 1);
    expect(await redis.hgetall(key)).toEqual(settings);
    expect(told).toEqual([]);
  });

  it('after agreeing, a lapsed record taken over with other values is logged, not a reason to stop', async () => {
    const key = recordKey('later');
    const told: string[] = [];
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    watches.push(
      await watchSettingsAgreement({
        redis,
        key,
        settings: agreedSettingsOf({ QUEUE_SHARDS: 1, QUEUE_NOTICE_AFTER_MS: 5000 }),
        logger,
        onDisagree: (message) => told.push(message),
        refreshMs: 50,
      }),
    );
    await redis.del(key);
    await redis.hset(key, 'QUEUE_SHARDS', '8');
    await waitFor(() => logged.length > 0);
    expect(JSON.parse(logged[0]!)).toMatchObject({ setting: 'QUEUE_SHARDS', msg: expect.stringContaining('QUEUE_SHARDS is 1 here but 8') });
    expect(told).toEqual([]);
  });
});
