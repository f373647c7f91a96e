/** @typedef {import('./start-redis-server.mjs').RedisServer} RedisServer */
/** @typedef {import('./start-redis-server.mjs').StartRedisServerOptions} StartRedisServerOptions */
/** @typedef {import('./find-or-start-redis.mjs').FoundRedis} FoundRedis */
export { findOrStartRedis, redact } from './find-or-start-redis.mjs';
export { probeRedis } from './probe-redis.mjs';
export { freePort, startRedisServer } from './start-redis-server.mjs';
