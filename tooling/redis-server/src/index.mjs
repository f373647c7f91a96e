/** @typedef {import('./start-redis-server.mjs').RedisServer} RedisServer */
/** @typedef {import('./start-redis-server.mjs').StartRedisServerOptions} StartRedisServerOptions */
/** @typedef {import('./find-or-start-redis.mjs').FoundRedis} FoundRedis */
/** @typedef {import('./start-redis-cluster.mjs').RedisCluster} RedisCluster */
/** @typedef {import('./start-redis-cluster.mjs').StartRedisClusterOptions} StartRedisClusterOptions */
export { findOrStartRedis, redact } from './find-or-start-redis.mjs';
export { probeRedis } from './probe-redis.mjs';
export { freePort, startRedisServer } from './start-redis-server.mjs';
export { startRedisCluster } from './start-redis-cluster.mjs';
