import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from './ports.mjs';
import { progress } from './progress.mjs';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

async function answers(url) {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * REDIS_URL when set (it must answer), else the usual local Redis; when nothing answers there, a
 * private throw-away redis-server (no persistence) that is stopped with the bench.
 */
export async function resolveRedis() {
  if (process.env.REDIS_URL) {
    if (!(await answers(process.env.REDIS_URL))) throw new Error(`no Redis answers at REDIS_URL=${process.env.REDIS_URL}`);
    return { url: process.env.REDIS_URL, stop: async () => undefined };
  }
  if (await answers(DEFAULT_URL)) return { url: DEFAULT_URL, stop: async () => undefined };

  const port = await freePort();
  progress(`no Redis at ${DEFAULT_URL}: starting redis-server on 127.0.0.1:${port}`);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const failed = new Promise((_, reject) => child.once('error', (error) => reject(new Error(`redis-server: ${error.message}`))));
  const url = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let tries = 0; tries < 100; tries += 1) {
      if (await answers(url)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('redis-server did not answer within 10 s');
  })();
  await Promise.race([ready, failed]);
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
