import {
  agreedSettingsOf,
  createLogger,
  DRAIN_DEADLINE_MS,
  EXIT_LAST_RESORT_MS,
  createRedis,
  loadConfigOrExit,
  loadWorkerConfig,
  logAliasesUsed,
  logRetiredSettings,
  MESSAGE_QUEUE_NAME,
  redisKeys,
  robotsFromConfig,
  stdoutLogDestination,
  watchSettingsAgreement,
} from '@dtbot/shared';
import { buildWorkerDeps } from './build-deps.js';
import type { OpenAIProvider } from './model/providers/model-provider.js';
import { createWorkers } from './create-worker.js';
import { createHealthServer } from './health-server.js';
import { loadPersonaCatalog } from './personas/load-persona-catalog.js';
import { noticeSweepers, staleNoticeTrimmers } from './notices/notice-sweeper.js';
import { loadProvidersFile } from './model/providers/load-providers-file.js';
import { assertBudgetsPriced, unpricedModels } from './usage/budget-prices.js';
import { loadMcpServers } from './tools/load-mcp-servers.js';
import { loadSchedulesFromConfig } from './schedules/schedules-file.js';
import { createScheduleWorker } from './schedules/schedule-worker.js';
import { syncSchedulesFile } from './schedules/sync-schedules-file.js';

const { config, aliasesUsed, retiredSet } = loadConfigOrExit('worker', () => loadWorkerConfig());
const personas = loadConfigOrExit('worker', () => loadPersonaCatalog(config.PERSONAS_FILE));
const providerEntries = loadConfigOrExit('worker', () => loadProvidersFile(config.PROVIDERS_FILE));
const mcpServers = loadConfigOrExit('worker', () => loadMcpServers(config));
const declaredSchedules = loadConfigOrExit('worker', () => loadSchedulesFromConfig(config, personas));
const logger = createLogger('worker', config.LOG_LEVEL, stdoutLogDestination(config.NODE_ENV));
logAliasesUsed(logger, aliasesUsed);
logRetiredSettings(logger, retiredSet);

const redisOptions = { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
// Commands of our own steps (memory, turns, limiter), auto-pipelined: the jobs in flight share writes to Redis.
const redis = createRedis({ ...redisOptions, failFast: false, connectionName: 'dtbot-worker', autoPipelining: true });
// BullMQ's worker blocks on its connection, so it gets its own that waits out Redis restarts; BullMQ's queues use it too.
const workerConnection = createRedis({ ...redisOptions, failFast: false, connectionName: 'dtbot-worker-bullmq' });
for (const connection of [redis, workerConnection]) {
  connection.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
}

const shards = buildWorkerDeps(config, logger, redis, personas, providerEntries, Date.now, {}, mcpServers, workerConnection);
// Metrics, token counting, providers and the queues are the same object in every shard's deps.
const deps = shards[0]!;
// A budget must be able to count every model it covers: each provider's, each robot's. A Dify app prices its own
// calls (in US dollars; in another currency they count without a cost, like any unpriced model).
const priced = deps.providers.filter((provider): provider is OpenAIProvider => provider.kind === 'openai');
const unpriced = unpricedModels(config, deps.prices, priced);
loadConfigOrExit('worker', () => assertBudgetsPriced(unpriced));
for (const { model, kind } of unpriced) {
  logger.warn({ model, kind }, 'no price for this model: its calls are counted without a cost; add it to MODEL_PRICES');
}
// Before any job is taken: a worker reading other queue shards than the running gateways stops here.
const agreement = await watchSettingsAgreement({
  redis,
  key: redisKeys(config.REDIS_PREFIX).agreedSettings(),
  settings: agreedSettingsOf(config),
  logger,
  onDisagree: (message) => {
    process.stderr.write(`worker: ${message}\n`);
    process.exit(1);
  },
});
const workers = createWorkers(shards, workerConnection, {
  queueName: MESSAGE_QUEUE_NAME,
  concurrency: config.WORKER_CONCURRENCY,
});

// The file's schedules in Redis before any tick is taken; every worker does it at its start, to the same end.
await syncSchedulesFile(deps, declaredSchedules);
const scheduleWorker = createScheduleWorker(shards, workerConnection, {
  prefix: config.REDIS_PREFIX,
});

let draining = false;
const health = createHealthServer(redis, deps.metrics, () => draining);
health.listen(config.METRICS_PORT, () => {
  const address = health.address();
  const port = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  logger.info({ port }, 'worker health and metrics listening');
});

for (const worker of workers) void worker.run();
void scheduleWorker.run();
// One per shard in every process (when QUEUE_NOTICE_AFTER_MS is on): the schedule hands each notice to one of them.
// When off, the shards' schedules are still kept bounded against a gateway that has them on.
const sweepers = [...noticeSweepers(shards), ...staleNoticeTrimmers(shards)];
for (const sweeper of sweepers) sweeper.start();
logger.info(
  {
    concurrency: config.WORKER_CONCURRENCY,
    queueShards: shards.length,
    model: config.OPENAI_MODEL,
    // Which robot answers with what; never their secrets.
    robots: robotsFromConfig(config).map(({ robotCode, options }) => ({ robotCode, name: options.name, ...(options.model ? { model: options.model } : {}) })),
    // In the order they are tried; never their keys.
    providers: deps.providers.map(({ name, model, chats }) => ({ name, ...(model && chats ? { model } : {}), ...(chats ? {} : { picturesOnly: true }) })),
    // Their names only: URLs may carry tokens, headers and env secrets.
    toolServers: mcpServers.map(({ name }) => name),
    tokenCounting: deps.tokens.method,
    personas: personas.personas.length,
    templates: personas.templates.length,
    schedulesDeclared: declaredSchedules.length,
    rpm: config.OPENAI_RPM,
    tpm: config.OPENAI_TPM,
  },
  'worker started',
);

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  agreement.stop();
  logger.info({ signal }, 'draining: finishing jobs in flight');
  // Past the deadline, close without waiting: unfinished jobs stall and another worker takes them over.
  const forced = setTimeout(() => {
    logger.warn('drain timed out; remaining jobs will be taken over by other workers');
    for (const worker of [...workers, scheduleWorker]) void worker.close(true);
  }, DRAIN_DEADLINE_MS.worker);
  forced.unref();
  // Whatever hangs (a Redis that never answers QUIT, a closed stdout), the process still ends.
  setTimeout(() => process.exit(1), DRAIN_DEADLINE_MS.worker + EXIT_LAST_RESORT_MS).unref();
  await Promise.all([...workers.map((worker) => worker.close()), scheduleWorker.close(), ...sweepers.map((sweeper) => sweeper.stop())]);
  clearTimeout(forced);
  // Stdio tool servers are child processes: they end with their sessions.
  await deps.tools?.close();
  await Promise.all([...deps.queues.map((queue) => queue.close()), deps.schedules.close()].map((closing) => closing.catch(() => undefined)));
  health.close();
  await deps.stops.close();
  await Promise.all([redis.quit(), workerConnection.quit()].map((quit) => quit.catch(() => undefined)));
  logger.info('worker stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
