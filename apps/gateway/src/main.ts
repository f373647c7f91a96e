import { createServer } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import { MESSAGE_JOB_ATTEMPTS, messageJobOptions } from '@dtbot/queue';
import {
  agreedSettingsOf,
  createLogger,
  DRAIN_DEADLINE_MS,
  EXIT_LAST_RESORT_MS,
  createRedis,
  lanePolicyFrom,
  loadConfigOrExit,
  loadGatewayConfig,
  logAliasesUsed,
  logRetiredSettings,
  MESSAGE_QUEUE_NAME,
  normaliseOrigins,
  proxiedFetch,
  proxyRules,
  queueShards,
  redisKeys,
  robotCodesOf,
  robotsFromConfig,
  stdoutLogDestination,
  watchSettingsAgreement,
} from '@dtbot/shared';
import type { AcceptDeps } from './accept/accept-message.js';
import { buildApp } from './app.js';
import { CALLBACK_PATHS } from './callback/callback-paths.js';
import { buildDashboardApp } from './dashboard/dashboard-app.js';
import { DASHBOARD_PATH } from './dashboard/dashboard-path.js';
import { dashboardFromConfig } from './dashboard/dashboard-from-config.js';
import { CALLBACK_BODY_MAX_BYTES } from './middleware/read-body.js';
import { createGatewayMetrics } from './metrics.js';
import { buildMetricsApp } from './metrics-app.js';
import { QueueStateCache } from './queue-state/queue-state-cache.js';
import { DEDUPE_TTL_MS, ENQUEUE_TIMEOUT_MS } from './accept/enqueue-message.js';
import { shardStores } from './shard-stores.js';
import type { CardPressDeps } from './cards/card-presses.js';
import { startStreamIngress } from './stream/stream-ingress.js';
import { buildPlayground } from './playground/build-playground.js';
import { playgroundStartLine } from './playground/playground-start-line.js';
import { chooseListenHost } from './listen-host.js';

const { config, aliasesUsed, retiredSet } = loadConfigOrExit('gateway', () => loadGatewayConfig());
const logger = createLogger('gateway', config.LOG_LEVEL, stdoutLogDestination(config.NODE_ENV));
logAliasesUsed(logger, aliasesUsed);
logRetiredSettings(logger, retiredSet);

const keys = redisKeys(config.REDIS_PREFIX);
// Fail fast: while Redis is away a callback is refused with 503 at once instead of waiting.
const redis = createRedis({
  url: config.REDIS_URL,
  clusterNodes: config.REDIS_CLUSTER_NODES,
  failFast: true,
  connectionName: 'dtbot-gateway',
});
redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
// Before any message is taken: a gateway sharding or scheduling notices unlike the running workers stops here.
const agreement = await watchSettingsAgreement({
  redis,
  key: keys.agreedSettings(),
  settings: agreedSettingsOf(config),
  logger,
  onDisagree: (message) => {
    process.stderr.write(`gateway: ${message}\n`);
    process.exit(1);
  },
});

// Each conversation's messages go to the queue of its shard (`QUEUE_SHARDS`; one shard = the prefix's own queue).
const shards = shardStores(redis, queueShards(config.REDIS_PREFIX, config.QUEUE_SHARDS), MESSAGE_QUEUE_NAME, {
  defaultJobOptions: messageJobOptions(MESSAGE_JOB_ATTEMPTS),
  dedupeTtlMs: DEDUPE_TTL_MS,
});
for (const { shard, queue } of shards) queue.on('error', (error) => logger.warn({ err: error.message, shard: shard.index }, 'queue error'));

const robots = robotsFromConfig(config);
const metrics = createGatewayMetrics(new QueueStateCache(shards));
// One accept path for both ingresses: the same numbering, dedupe and store.
const accept: AcceptDeps = {
  allowedOrigins: normaliseOrigins(config.DINGTALK_WEBHOOK_ORIGINS),
  enqueue: {
    shards,
    timeoutMs: ENQUEUE_TIMEOUT_MS,
    isConnected: () => redis.status === 'ready',
    robotCodes: robotCodesOf(robots),
    lanes: lanePolicyFrom(config),
    noticeAfterMs: config.QUEUE_NOTICE_AFTER_MS,
  },
};
// Card button presses, over HTTP or Stream: stops are handed to the worker writing the answer, ratings recorded.
const cards: CardPressDeps = { redis, keys, admins: new Set(config.ADMIN_USERS), robotCodes: robotCodesOf(robots), metrics, logger };
const playground = config.PLAYGROUND
  ? buildPlayground({
      config,
      redis,
      // Subscribed connections can do nothing else, and this one should wait out a Redis restart.
      subscriber: createRedis({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES, failFast: false, connectionName: 'dtbot-gateway-playground' }),
      keys,
      accept,
      logger,
    })
  : undefined;
playground?.hub.start().catch((error: Error) => logger.error({ err: error.message }, 'playground: could not subscribe; answers show only when the page reloads'));
const httpCallbacks = config.DINGTALK_MODE !== 'stream';
// The Stream connections reach DingTalk through the configured proxy, if any.
const proxy = proxyRules(config);
const stream =
  config.DINGTALK_MODE === 'http'
    ? undefined
    : startStreamIngress(robots, { accept, cards, logger, metrics, apiBaseUrl: config.DINGTALK_API_BASE_URL, proxy, fetch: proxiedFetch(proxy) });
let draining = false;
const dashboard = await dashboardFromConfig(config, shards, redis, keys);
const app = buildApp({
  ...accept,
  dashboard: config.DASHBOARD_PORT === undefined ? dashboard : undefined,
  logger,
  redis,
  metrics,
  robots,
  maxBodyBytes: CALLBACK_BODY_MAX_BYTES,
  isDraining: () => draining,
  httpCallbacks,
  cards,
  isStreamUp: stream?.isUp,
  playground,
});

const listen = chooseListenHost(config, robots.length);
// Metrics first, so that the line saying the gateway listens can name both ports. It stays up while draining.
const metricsServer = createServer(buildMetricsApp(metrics).callback());
await new Promise<void>((resolve) => metricsServer.listen(config.METRICS_PORT, listen.host, resolve));
const metricsAddress = metricsServer.address();
const metricsPort = typeof metricsAddress === 'object' && metricsAddress ? metricsAddress.port : config.METRICS_PORT;

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(config.PORT, listen.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const ingress = httpCallbacks ? `callbacks on ${CALLBACK_PATHS.join(' and ')}` : 'health checks (Stream mode)';
  logger.info(
    // The heap limit shows whether the gateway runs with its node flags (`NODE_FLAGS`): without them its RSS grows far more under load.
    { host: listen.host, port, metricsPort, mode: config.DINGTALK_MODE, robots: robots.length, queueShards: shards.length, heapLimitMb: heapLimitMb() },
    `gateway listening: ${ingress}; /metrics on port ${metricsPort}`,
  );
  if (dashboard && config.DASHBOARD_PORT === undefined) logDashboard(port);
  if (playground) logPlayground(port);
});

function heapLimitMb(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 1048576);
}

/** Where to open the playground and who can reach it, and loudly when it is open in production (anyone reaching the port may use the model). */
function logPlayground(port: number): void {
  const { url, line } = playgroundStartLine(listen, port);
  logger.info({ url }, line);
  if (config.NODE_ENV === 'production') {
    logger.warn(
      { url },
      'PLAYGROUND=true in production: anyone who reaches this port can chat with the robot and spend your model quota; turn it off unless this address is private',
    );
  }
}

// On its own port the dashboard can stay off the Internet-facing one.
const dashboardServer = dashboard && config.DASHBOARD_PORT !== undefined ? createServer(buildDashboardApp(dashboard).callback()) : undefined;
dashboardServer?.listen(config.DASHBOARD_PORT, listen.host, () => {
  const address = dashboardServer.address();
  logDashboard(typeof address === 'object' && address ? address.port : config.DASHBOARD_PORT!);
});
if (!dashboard) logger.info(`queue dashboard off: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD to serve it at ${DASHBOARD_PATH}`);

function logDashboard(port: number): void {
  logger.info({ port, path: DASHBOARD_PATH, readOnly: config.DASHBOARD_READ_ONLY }, 'queue dashboard listening');
}

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  agreement.stop();
  logger.info({ signal }, 'draining: no new connections or Stream frames, finishing the messages in flight');
  const forced = setTimeout(() => {
    logger.warn('drain timed out, closing remaining connections');
    server.closeAllConnections();
  }, DRAIN_DEADLINE_MS.gateway);
  forced.unref();
  // Whatever hangs (a Redis that never answers QUIT, a closed stdout), the process still ends.
  setTimeout(() => process.exit(1), DRAIN_DEADLINE_MS.gateway + EXIT_LAST_RESORT_MS).unref();
  dashboardServer?.close();
  dashboardServer?.closeAllConnections();
  const httpDrained = new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  // Frames being stored are ACKed before their socket closes; new ones go unACKed, to another gateway.
  // Open playground event streams would keep the server from closing: end them.
  await Promise.all([httpDrained, stream?.stop(), playground?.hub.close()]);
  clearTimeout(forced);
  await Promise.all(shards.map(({ queue }) => queue.close().catch(() => undefined)));
  await redis.quit().catch(() => undefined);
  logger.info('gateway stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
