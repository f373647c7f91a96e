// Which Redis `npm start`, `npm test` and the bench use: the configured one, else a local one that answers,
// else a throwaway redis-server started for the run.
import { probeRedis } from './probe-redis.mjs';
import { startRedisServer } from './start-redis-server.mjs';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * @typedef {object} FoundRedis
 * @property {string} url
 * @property {'configured' | 'running' | 'started'} how configured: the URL given (not probed unless local);
 *   running: a Redis already answering on the local port; started: a throwaway redis-server, `server`.
 * @property {import('./start-redis-server.mjs').RedisServer} [server]
 */

/**
 * @typedef {object} FindOrStartRedisOptions
 * @property {string} [url] REDIS_URL when set. A local one that nothing listens on is started on its port, as CI
 *   machines without a Redis service need.
 * @property {number} [localPort] where to look for a running Redis when no URL is given (default 6379).
 * @property {'local-port' | 'free-port'} [startOn] where a throwaway server listens: on localPort (so an operator
 *   knows where it is), or on any free port (tests: never in anyone's way).
 * @property {boolean} [detached] see startRedisServer.
 */

/**
 * @param {FindOrStartRedisOptions} options
 * @returns {Promise<FoundRedis>}
 */
export async function findOrStartRedis(options) {
  const detached = options.detached ?? false;
  if (options.url) {
    const url = new URL(options.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 6379);
    if (!LOCAL_HOSTS.has(host) || url.protocol !== 'redis:') return { url: options.url, how: 'configured' };
    const found = await probeRedis(port, host === 'localhost' ? '127.0.0.1' : host);
    if (found !== 'none') return { url: options.url, how: 'configured' };
    if (url.password) throw new Error(`no Redis answers at ${redact(options.url)}, and one with a password cannot be started here`);
    const server = await startRedisServer({ port, host: host === 'localhost' ? '127.0.0.1' : host, detached });
    return { url: options.url, how: 'started', server };
  }

  const localPort = options.localPort ?? 6379;
  const found = await probeRedis(localPort);
  if (found === 'pong') return { url: `redis://127.0.0.1:${localPort}`, how: 'running' };
  if (found === 'noauth') {
    throw new Error(`a Redis at 127.0.0.1:${localPort} wants a password: set REDIS_URL=redis://:PASSWORD@127.0.0.1:${localPort}`);
  }
  if (found === 'other' && options.startOn !== 'free-port') {
    throw new Error(`something at 127.0.0.1:${localPort} is not a Redis: set REDIS_URL, or choose another port`);
  }
  const server = await startRedisServer({ port: options.startOn === 'free-port' ? 0 : localPort, detached });
  return { url: server.url, how: 'started', server };
}

/** @param {string} value */
export function redact(value) {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}
