export { connectForTests, removePrefix, testPrefix } from './redis-for-tests.js';
export { redisCommandsRunBy } from './redis-commands-run.js';
