import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findOrStartRedis, freePort, probeRedis, startRedisServer, type RedisServer } from './index.mjs';
import { PORT_ATTEMPTS } from './start-redis-server.mjs';

const started: RedisServer[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
  for (const server of servers.splice(0)) server.close();
});

async function start(options?: Parameters<typeof startRedisServer>[0]): Promise<RedisServer> {
  const server = await startRedisServer(options);
  started.push(server);
  return server;
}

/** A TCP server that is not a Redis: it answers whatever it is sent as a web server would. */
async function notRedis(): Promise<number> {
  const server = createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))).listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('startRedisServer', () => {
  it('answers PING on a free loopback port, stops answering while paused, and leaves no folder after stop', async () => {
    const server = await start();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await probeRedis(server.port)).toBe('pong');

    server.pause();
    // Connected but silent: it is there, and does not answer.
    expect(await probeRedis(server.port, '127.0.0.1', 300)).toBe('other');
    server.resume();
    expect(await probeRedis(server.port)).toBe('pong');

    const dir = server.process.spawnargs[server.process.spawnargs.indexOf('--dir') + 1]!;
    expect(existsSync(dir)).toBe(true);
    await server.stop();
    expect(await probeRedis(server.port)).toBe('none');
    expect(existsSync(dir)).toBe(false);
  });

  it('rejects with redis-server\'s own words when the port is taken', async () => {
    const port = await notRedis();
    await expect(startRedisServer({ port })).rejects.toThrow(/before it was ready on 127\.0\.0\.1:\d+:\n.*(in use|Could not create server)/s);
  });

  it('starts on another port when the one it chose was taken before redis-server could bind it', async () => {
    const taken = await notRedis();
    const offered = [taken, await freePort()];
    const tried: number[] = [];
    const server = await start({ choosePort: async () => tried[tried.push(offered.shift()!) - 1]! });
    expect(tried).toEqual([taken, server.port]);
    expect(await probeRedis(server.port)).toBe('pong');
  });

  it('gives up after PORT_ATTEMPTS taken ports, and never moves off a port it was told to use', async () => {
    const taken = await notRedis();
    let tries = 0;
    const choosePort = async () => {
      tries += 1;
      return taken;
    };
    await expect(startRedisServer({ choosePort })).rejects.toThrow(/Address already in use/);
    expect(tries).toBe(PORT_ATTEMPTS);
    tries = 0;
    await expect(startRedisServer({ port: taken, choosePort })).rejects.toThrow(/Address already in use/);
    expect(tries).toBe(0);
  });

  it('says how to install redis-server when it is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      await expect(startRedisServer()).rejects.toThrow(/redis-server is not installed \(Debian\/Ubuntu: apt-get install redis-server/);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('findOrStartRedis', () => {
  it('takes a configured remote URL as it is, without probing it', async () => {
    await expect(findOrStartRedis({ url: 'redis://redis.internal:6380' })).resolves.toEqual({ url: 'redis://redis.internal:6380', how: 'configured' });
  });

  it('uses a Redis that answers at the configured local URL', async () => {
    const server = await start();
    await expect(findOrStartRedis({ url: server.url })).resolves.toEqual({ url: server.url, how: 'configured' });
  });

  it('starts a server on the port of a configured local URL nothing listens on', async () => {
    const port = await freePort();
    const found = await findOrStartRedis({ url: `redis://127.0.0.1:${port}` });
    started.push(found.server!);
    expect(found).toMatchObject({ url: `redis://127.0.0.1:${port}`, how: 'started' });
    expect(await probeRedis(port)).toBe('pong');
  });

  it('refuses to start a server for a local URL with a password', async () => {
    const port = await freePort();
    await expect(findOrStartRedis({ url: `redis://:secret@127.0.0.1:${port}` })).rejects.toThrow(
      `no Redis answers at redis://:***@127.0.0.1:${port}, and one with a password cannot be started here`,
    );
  });

  it('uses a Redis running on the local port, else starts one there', async () => {
    const running = await start();
    await expect(findOrStartRedis({ localPort: running.port })).resolves.toEqual({ url: running.url, how: 'running' });

    const port = await freePort();
    const found = await findOrStartRedis({ localPort: port, startOn: 'local-port' });
    started.push(found.server!);
    expect(found).toMatchObject({ url: `redis://127.0.0.1:${port}`, how: 'started' });
  });

  it('does not start on a local port held by something else, but can start on a free port instead', async () => {
    const port = await notRedis();
    await expect(findOrStartRedis({ localPort: port, startOn: 'local-port' })).rejects.toThrow(
      `something at 127.0.0.1:${port} is not a Redis: set REDIS_URL, or choose another port`,
    );
    const found = await findOrStartRedis({ localPort: port, startOn: 'free-port' });
    started.push(found.server!);
    expect(found.how).toBe('started');
    expect(found.url).not.toBe(`redis://127.0.0.1:${port}`);
  });
});
