import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPausableTcpProxy, type PausableTcpProxy } from './pausable-tcp-proxy.js';
import { createTestPrefix, redisUrlForTests } from './redis-test-prefix.js';

let proxy: PausableTcpProxy;
let redis: Redis;
let direct: Redis;
const key = `${createTestPrefix('proxy')}:k`;

beforeAll(async () => {
  const url = new URL(redisUrlForTests());
  proxy = await startPausableTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
  redis = new Redis(proxy.through(redisUrlForTests()), { maxRetriesPerRequest: 1 });
  direct = new Redis(redisUrlForTests());
});

afterAll(async () => {
  proxy.resume();
  await direct.del(key);
  redis.disconnect();
  direct.disconnect();
  await proxy.close();
});

describe('startPausableTcpProxy', () => {
  it('passes a Redis connection through, holds its commands while paused and runs them late on resume', async () => {
    expect(await redis.ping()).toBe('PONG');
    proxy.pause();
    let answered = false;
    const held = redis.set(key, 'late').then((reply) => {
      answered = true;
      return reply;
    });
    // Several round trips on a direct connection: time enough for the held command to have run.
    for (let i = 0; i < 5; i += 1) expect(await direct.get(key)).toBeNull();
    expect(answered).toBe(false);
    proxy.resume();
    expect(await held).toBe('OK');
    expect(await direct.get(key)).toBe('late');
  });

  it('keeps the credentials and database of the URL it rewrites', () => {
    expect(proxy.through('redis://user:pw@10.0.0.1:6380/2')).toBe(`redis://user:pw@127.0.0.1:${proxy.port}/2`);
  });
});
