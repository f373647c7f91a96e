export { connectForTests, removePrefix, testPrefix } from './redis-for-tests.js';
export { redisCallsRunBy, redisCommandsRunBy, type RedisCall } from './redis-commands-run.js';
