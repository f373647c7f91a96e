import { createQueue, MESSAGE_JOB_ATTEMPTS, messageJobOptions } from '@dtbot/queue';
import {
  BUILT_IN_COMMAND_WORDS,
  SCHEDULE_QUEUE_NAME,
  commandWordsOf,
  downloadOriginsFor,
  normaliseOrigins,
  proxiedFetch,
  proxiedRequest,
  proxyRules,
  PLAYGROUND_ROBOT_CODE,
  deliverPlaygroundAnswer,
  PLAYGROUND_WEBHOOK_PREFIX,
  queueShards,
  redisKeys,
  findRobot,
  legacyApiBaseFor,
  robotMetricLabel,
  robotsFromConfig,
  Turns,
  MessageStore,
  MESSAGE_JOB_NAME,
  type Logger,
  type MessageJob,
  type RedisClient,
  type WorkerConfig,
} from '@dtbot/shared';
import type { WorkerDeps } from './deps.js';
import { WORKER_TUNING, type WorkerTuning } from './worker-tuning.js';
import { AccessTokens } from './dingtalk/access-tokens.js';
import { DingTalkClient, type RobotApp } from './dingtalk/dingtalk-client.js';
import type { DingTalkApi } from './dingtalk/dingtalk-error.js';
import { CardCallBudget } from './delivery/card/card-call-budget.js';
import { createFileReader, fileReaderLimits } from './files/file-reader.js';
import { PICTURE_BUDGET_BYTES, PICTURE_BYTES_PER_QUESTION, PictureBudget } from './pictures/picture-budget.js';
import { openApiRoute } from './delivery/openapi-route.js';
import { playgroundRoute } from './delivery/playground-route.js';
import { webhookRoute } from './delivery/webhook-route.js';
import { ConversationMemory } from './memory/conversation-memory.js';
import { AnswerLimits } from './model/answer-limits.js';
import { REQUEST_LEASE_MARGIN_MS } from './model/model-timeout.js';
import { ProviderCircuits } from './model/providers/provider-circuits.js';
import { canSwitchProviders } from './model/providers/call-provider.js';
import type { ProviderEntry } from './model/providers/providers-file.js';
import { providersFromConfig, robotProvidersFromConfig } from './model/providers/providers-from-config.js';
import { DifyConversations } from './model/dify/dify-conversations.js';
import { DEFAULT_DELAY_POLICY } from './queue-action.js';
import { createWorkerMetrics } from './metrics.js';
import { createTokenCounter } from './tokens/token-counter.js';
import { robotOptionsFor } from './robot-options.js';
import type { PersonaCatalog } from './personas/persona-catalog.js';
import { PersonaChoices } from './personas/persona-choices.js';
import { AccessPolicy } from './access/access-policy.js';
import { DailyQuotas } from './quota/daily-quotas.js';
import { DailyBudget } from './usage/daily-budget.js';
import { PriceTable } from './usage/price-table.js';
import { UsageLedger } from './usage/usage-ledger.js';
import { registerBudgetGauge } from './usage/budget-gauge.js';
import { SensitiveWords } from './moderation/sensitive-words.js';
import { NoticeSchedule } from './notices/notice-schedule.js';
import { loadMcpServers } from './tools/load-mcp-servers.js';
import type { McpServerEntry } from './tools/mcp-servers-file.js';
import { McpToolbox } from './tools/mcp-toolbox.js';
import { ScheduleBook } from './schedules/schedule-book.js';
import { AnswerStops } from './stops/answer-stops.js';
import { modelFetch } from './http/model-fetch.js';
import { RUN_DEDUPE_TTL_MS } from './schedules/scheduled-message.js';
import { AnswerFeedback } from './usage/answer-feedback.js';

const DINGTALK_TIMEOUT_MS = 10_000;

/**
 * Builds everything a worker's steps use from the validated config, the checked personas file
 * (`loadPersonaCatalog`) and one Redis connection: the deps of each queue shard (`QUEUE_SHARDS`), in shard order,
 * sharing all but the shard's own queue, keys, turns, memory and persona choices.
 */
export function buildWorkerDeps(
  config: WorkerConfig,
  logger: Logger,
  redis: RedisClient,
  personas: PersonaCatalog,
  /** The checked `PROVIDERS_FILE` (`loadProvidersFile`). */
  providerEntries: readonly ProviderEntry[] = [],
  /** The clock of the local days that quotas, usage and budgets count by (a test moves it past midnight). */
  now: () => number = Date.now,
  /** Tests pass smaller values; production runs on `WORKER_TUNING`. */
  tuningOverrides: Partial<WorkerTuning> = {},
  /** The checked tool servers (`loadMcpServers`). */
  mcpServers: readonly McpServerEntry[] = loadMcpServers(config),
  /**
   * The connection of the BullMQ queues (main.ts: BullMQ's worker's own). Not `redis`: BullMQ defines its 64 scripts
   * on the connection a queue is given, and ioredis copies every script defined on a connection into each pipeline
   * or MULTI made from it (about 0.4 µs a script), which `redis` makes for every answer.
   */
  queueConnection: RedisClient = redis,
): WorkerDeps[] {
  const tuning: WorkerTuning = { ...WORKER_TUNING, ...tuningOverrides };
  const keys = redisKeys(config.REDIS_PREFIX);
  const robots = robotsFromConfig(config);
  // Model and DingTalk requests alike go through the configured proxy, if any.
  const proxy = proxyRules(config);
  const outboundFetch = proxiedFetch(proxy);
  const providerContext = { redis, keys, fetch: outboundFetch, modelFetch: modelFetch(proxy), timeoutMs: tuning.modelTimeoutMs };
  const providers = providersFromConfig(config, providerEntries, providerContext);
  const robotOptions = robotOptionsFor(config, robots);
  const robotProviders = robotProvidersFromConfig(config, robots, robotOptions, providerContext);
  // With one provider for each need there is nowhere to switch to: its failures are the job's retries, as before.
  const circuits =
    canSwitchProviders(providers)
      ? new ProviderCircuits(redis, keys, {
          failureThreshold: tuning.circuitFailureThreshold,
          cooldownMs: tuning.circuitCooldownMs,
          maxWaitMs: tuning.circuitMaxWaitMs,
          // A probe that outlives its request's timeout belonged to a worker that died.
          probeLeaseMs: Math.max(...providers.map(({ timeoutMs }) => timeoutMs)) + REQUEST_LEASE_MARGIN_MS,
        })
      : undefined;
  const metrics = createWorkerMetrics(
    circuits ? { circuitStates: () => circuits.states(providers.map(({ name }) => name)) } : {},
  );
  const tokens = new AccessTokens(redis, keys);
  const onAnswer = (api: DingTalkApi, result: string) => metrics.dingtalkRequests.inc({ api, result });
  const dingtalk = new DingTalkClient(tokens, {
    apiBaseUrl: config.DINGTALK_API_BASE_URL,
    oapiBaseUrl: legacyApiBaseFor(config.DINGTALK_API_BASE_URL),
    allowedOrigins: [config.DINGTALK_API_BASE_URL, ...normaliseOrigins(config.DINGTALK_WEBHOOK_ORIGINS)],
    // No DingTalk message's answer may reach the playground, even were its origin listed as DingTalk's.
    refusedPrefixes: [PLAYGROUND_WEBHOOK_PREFIX],
    timeoutMs: DINGTALK_TIMEOUT_MS,
    fetch: outboundFetch,
    request: proxiedRequest(proxy),
    // Each download passes its own cap (a picture's, a file's); this is the largest of them.
    downloads: { origins: downloadOriginsFor(config.DINGTALK_API_BASE_URL), maxBytes: Math.max(tuning.pictureMaxBytes, config.FILE_MAX_BYTES) },
    onAnswer,
  });
  const appFor = (robotCode: string): RobotApp | undefined => {
    // The playground's robot has no app: nothing of it may reach DingTalk's APIs under another robot's name.
    if (robotCode === PLAYGROUND_ROBOT_CODE) return undefined;
    // Never another robot's app for a robot this deployment does not know (removed from the
    // config while its messages waited): DingTalk would deliver as the wrong robot, or refuse.
    const match = findRobot(robots, robotCode);
    return match?.appKey ? { appKey: match.appKey, appSecret: match.appSecret } : undefined;
  };
  const tokenCounter = createTokenCounter(config.OPENAI_MODEL);
  const usage = new UsageLedger(redis, keys, { retentionDays: config.USAGE_RETENTION_DAYS, timeZone: config.QUOTA_TIMEZONE }, now);
  const budget = new DailyBudget(usage, config.BUDGET_DAILY_USD, (robotCode) => robotOptions(robotCode).budgetDailyUsd);
  const robotCodes = robots.flatMap((robot) => (robot.robotCode ? [robot.robotCode] : []));
  registerBudgetGauge(metrics, usage, budget, robotCodes, (robotCode) => robotMetricLabel(robotCode, robotOptions(robotCode).name));
  const shards = queueShards(config.REDIS_PREFIX, config.QUEUE_SHARDS);
  const queues = shards.map((shard) => createQueue<MessageJob>(tuning.queueName, { connection: queueConnection, prefix: shard.keys.bullPrefix }));
  const shared: Omit<WorkerDeps, ShardOwned> = {
    logger,
    redis,
    queues,
    tokens: tokenCounter,
    providers,
    providersFor: (robotCode) => robotProviders.get(robotCode) ?? providers,
    circuits,
    tools:
      mcpServers.length > 0
        ? new McpToolbox(mcpServers, { timeoutMs: config.TOOL_TIMEOUT_MS, logger, fetch: outboundFetch }, config.TOOLS_MAX_STEPS, tuning.toolNoticeAfterMs)
        : undefined,
    answerLimits: new AnswerLimits(redis, keys),
    metrics,
    dingtalk,
    messageRoutes: {
      dingtalk: [webhookRoute(dingtalk), openApiRoute(dingtalk, appFor)],
      // Through Redis to whichever gateway holds the page: no address to reach.
      playground: [playgroundRoute((target, answer) => deliverPlaygroundAnswer(redis, keys, target, answer))],
    },
    robotApp: appFor,
    robotOptions,
    access: new AccessPolicy({
      allowGroups: config.ACCESS_ALLOW_GROUPS,
      allowUsers: config.ACCESS_ALLOW_USERS,
      denyGroups: config.ACCESS_DENY_GROUPS,
      denyUsers: config.ACCESS_DENY_USERS,
      admins: config.ADMIN_USERS,
      vips: config.VIP_USERS,
    }),
    sensitiveWords: new SensitiveWords(config.SENSITIVE_WORDS),
    quotas: new DailyQuotas(
      redis,
      keys,
      { userDaily: config.QUOTA_USER_DAILY, groupDaily: config.QUOTA_GROUP_DAILY, timeZone: config.QUOTA_TIMEZONE },
      now,
    ),
    personas,
    usage,
    prices: new PriceTable(config.MODEL_PRICES),
    budget,
    cardBudget: new CardCallBudget(redis, keys, { qps: tuning.cardCallsPerSecond }),
    pictureBudget: new PictureBudget(PICTURE_BUDGET_BYTES),
    // Under the configured prefix whatever the queue shards: a tick becomes a message in its chat's shard.
    schedules: new ScheduleBook(redis, keys, createQueue(SCHEDULE_QUEUE_NAME, { connection: queueConnection, prefix: config.REDIS_PREFIX }), {
      perChat: config.SCHEDULES_PER_CHAT,
      timeZone: config.QUOTA_TIMEZONE,
    }),
    fileReader: createFileReader(fileReaderLimits(config.FILE_MAX_TOKENS)),
    stops: new AnswerStops(redis, keys, logger),
    feedback: new AnswerFeedback(redis, keys),
    settings: {
      ...commandWordsOf(config),
      scheduleCommands: config.SCHEDULE_COMMANDS,
      helpText: config.HELP_TEXT,
      imageCommands: BUILT_IN_COMMAND_WORDS.image,
      draws: providers.some(({ images }) => images !== undefined),
      pictureMaxBytes: tuning.pictureMaxBytes,
      pictureBytesPerQuestion: PICTURE_BYTES_PER_QUESTION,
      fileMaxBytes: config.FILE_MAX_BYTES,
      fileMaxTokens: config.FILE_MAX_TOKENS,
      turnRecheckMs: 15_000,
      gapGraceMs: 30_000,
      jobDelay: DEFAULT_DELAY_POLICY,
      card: {
        updateMs: config.DINGTALK_CARD_UPDATE_MS,
        throttleBackoffMs: 1000,
        maxWaitMs: 15_000,
      },
    },
  };
  return shards.map((shard, index) => ({
    ...shared,
    shard,
    keys: shard.keys,
    queue: queues[index]!,
    turns: new Turns(redis, shard.keys),
    messageStore: new MessageStore(redis, shard.keys, queues[index]!, {
      jobName: MESSAGE_JOB_NAME,
      // As the gateway stores a message: the worker's queues have no defaults of their own.
      defaultJobOptions: messageJobOptions(MESSAGE_JOB_ATTEMPTS),
      dedupeTtlMs: RUN_DEDUPE_TTL_MS,
    }),
    notices: config.QUEUE_NOTICE_AFTER_MS > 0 ? new NoticeSchedule(redis, shard.keys) : undefined,
    memory: new ConversationMemory(redis, shard.keys, tokenCounter, { ttlSeconds: config.SESSION_TTL_SECONDS }),
    difyConversations: new DifyConversations(redis, shard.keys, config.SESSION_TTL_SECONDS),
    personaChoices: new PersonaChoices(redis, shard.keys),
  }));
}

/** What each queue shard has of its own. */
type ShardOwned = 'shard' | 'keys' | 'queue' | 'turns' | 'messageStore' | 'notices' | 'memory' | 'difyConversations' | 'personaChoices';
