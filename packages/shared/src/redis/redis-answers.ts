import type { RedisClient } from './create-redis.js';

/** Readiness of gateway and worker alike: Redis answers a PING within `timeoutMs`. */
export async function redisAnswers(redis: RedisClient, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const ping = redis.ping().then((answer) => answer === 'PONG');
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return await Promise.race([ping, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
