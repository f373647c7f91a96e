/**
 * Settings earlier versions read that are now constants in code (or moved into a file), with the value each is
 * fixed at and where. An operator upgrading with one still set is told at start that it is no longer read, instead
 * of finding out later that it did nothing.
 */
const RETIRED_SETTINGS: Readonly<Record<string, string>> = {
  PLAYGROUND_URL: 'no address: workers hand playground answers to the gateways through Redis (deliverPlaygroundAnswer, packages/shared/src/playground/playground-answers.ts)',
  TRUST_PROXY: 'the last X-Forwarded-For entry when the connection comes from a loopback, link-local or private address, else the connection\'s own (clientAddressOf, apps/gateway/src/client-address.ts)',
  DINGTALK_DOWNLOAD_ORIGINS: 'https://*.dingtalk.com and https://*.aliyuncs.com, with the origin of a DINGTALK_API_BASE_URL other than DingTalk\'s own (DINGTALK_DOWNLOAD_ORIGINS, packages/shared/src/dingtalk/download-origins.ts)',
  DINGTALK_OAPI_BASE_URL: 'https://oapi.dingtalk.com beside DingTalk\'s own DINGTALK_API_BASE_URL, else that base, which serves both (DINGTALK_LEGACY_API_BASE, packages/shared/src/dingtalk/api-bases.ts)',
  GATEWAY_METRICS_PORT: 'the gateway\'s METRICS_PORT, which each process reads for its own /metrics, default 9463 (METRICS_PORT, packages/shared/src/config/schema.ts)',
  HOST: '0.0.0.0, or 127.0.0.1 while the playground stands in for missing DingTalk credentials (ALL_INTERFACES, apps/gateway/src/listen-host.ts)',
  HELP_COMMANDS: '/help 帮助 (BUILT_IN_COMMAND_WORDS.help, packages/shared/src/commands/built-in-command-words.ts)',
  SETTINGS_COMMANDS: '/settings 我的设置 (BUILT_IN_COMMAND_WORDS.settings, packages/shared/src/commands/built-in-command-words.ts)',
  PERSONA_COMMANDS: '/persona 角色 (BUILT_IN_COMMAND_WORDS.persona, packages/shared/src/commands/built-in-command-words.ts)',
  USAGE_COMMANDS: '/usage 用量 (BUILT_IN_COMMAND_WORDS.usage, packages/shared/src/commands/built-in-command-words.ts)',
  IMAGE_COMMANDS: '/image #图片 (BUILT_IN_COMMAND_WORDS.image, packages/shared/src/commands/built-in-command-words.ts)',
  OPENAI_IMAGE_MODEL: 'no model in the environment; /image pictures are drawn by a PROVIDERS_FILE entry\'s imageModel (type openai) or imageDeployment (type azure), with chat: false for one that only draws (providersFileSchema, apps/worker/src/model/providers/providers-file.ts)',
  OPENAI_IMAGE_SIZE: 'the model\'s own default, no size asked (IMAGE_SIZE, apps/worker/src/model/generate-image.ts)',
  OPENAI_TIMEOUT_MS: '60 s, or a PROVIDERS_FILE entry\'s timeoutMs (MODEL_TIMEOUT_MS, apps/worker/src/model/model-timeout.ts)',
  SHUTDOWN_TIMEOUT_MS: 'gateway 10 s, worker 30 s (DRAIN_DEADLINE_MS, packages/shared/src/timing/drain-deadline.ts)',
  WORKER_LOCK_DURATION_MS: '10 s (JOB_LOCK_MS, packages/queue/src/create-queue-worker.ts)',
  WORKER_STALLED_INTERVAL_MS: '5 s (STALL_CHECK_INTERVAL_MS, packages/queue/src/create-queue-worker.ts)',
  DINGTALK_CARD_CONTENT_KEY: 'content, or a ROBOTS_FILE robot\'s cardContentKey (CARD_CONTENT_KEY, apps/worker/src/delivery/card/card-requests.ts)',
  DINGTALK_CARD_CALLBACK_ROUTE_KEY: 'none (Stream), or a ROBOTS_FILE robot\'s cardCallbackRouteKey (CARD_CALLBACK_ROUTE_KEY, apps/worker/src/delivery/card/card-requests.ts)',
  MEMORY_MAX_TOKENS: '3000, or a ROBOTS_FILE robot\'s memoryMaxTokens (MEMORY_MAX_TOKENS, apps/worker/src/memory/conversation-memory.ts)',
  MAX_BODY_BYTES: '256 KiB (CALLBACK_BODY_MAX_BYTES, apps/gateway/src/middleware/read-body.ts)',
  ENQUEUE_TIMEOUT_MS: '1.5 s (ENQUEUE_TIMEOUT_MS, apps/gateway/src/accept/enqueue-message.ts)',
  DEDUPE_TTL_SECONDS: 'one day (DEDUPE_TTL_MS, apps/gateway/src/accept/enqueue-message.ts)',
  JOB_ATTEMPTS: '5 (MESSAGE_JOB_ATTEMPTS, packages/queue/src/job-options.ts)',
  QUEUE_NAME: 'messages (MESSAGE_QUEUE_NAME, packages/shared/src/jobs/message-job.ts)',
  OPENAI_RATE_MARGIN_MS: '1 s (RATE_WINDOW_MARGIN_MS, apps/worker/src/model/model-rate-limiter.ts)',
  PLAYGROUND_MAX_SESSIONS: '200 (PLAYGROUND_LIMITS.maxSessions, apps/gateway/src/playground/playground-limits.ts)',
  PROVIDER_FAILURE_THRESHOLD: '5 (CIRCUIT_FAILURE_THRESHOLD, apps/worker/src/model/providers/provider-circuits.ts)',
  PROVIDER_COOLDOWN_MS: '30 s (CIRCUIT_COOLDOWN_MS, apps/worker/src/model/providers/provider-circuits.ts)',
  PROVIDER_MAX_WAIT_MS: '10 s (CIRCUIT_MAX_WAIT_MS, apps/worker/src/model/providers/provider-circuits.ts)',
  DINGTALK_CARD_QPS: '20 (CARD_CALLS_PER_SECOND, apps/worker/src/delivery/card/card-call-budget.ts)',
  DINGTALK_DOWNLOAD_MAX_BYTES: '10 MiB (PICTURE_MAX_BYTES, apps/worker/src/pictures/picture-budget.ts)',
};

export interface RetiredSetting {
  name: string;
  /** The value it is fixed at, and where. */
  fixedAt: string;
}

/** The retired settings `env` still sets (names only: their values are never read). */
export function retiredSettingsIn(env: Record<string, string>): RetiredSetting[] {
  return Object.entries(RETIRED_SETTINGS)
    .filter(([name]) => env[name] !== undefined)
    .map(([name, fixedAt]) => ({ name, fixedAt }));
}

/** Every retired name, for the test that none of them is a setting again. */
export function retiredSettingNames(): string[] {
  return Object.keys(RETIRED_SETTINGS);
}
