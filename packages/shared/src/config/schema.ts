import { z } from 'zod';
import { MAX_QUEUE_SHARDS } from '../redis/queue-shards.js';
import { credentialPairs, csv, flag, integer, isTimeZone, modelPrices, namedUrls } from './env-types.js';
import { platformSchema } from './platform-variables.js';
import { readRobotsFile } from '../robots/robots-file.js';

/** The largest FILE_MAX_BYTES: a worker process holds at most this many bytes of downloads at once. */
export const FILE_MAX_BYTES_LIMIT = 24 * 1024 * 1024;

/**
 * Every setting of the project, with its default. Only `load-config.ts` reads `process.env`;
 * each app validates the part it needs (`gatewaySchema`, `workerSchema`). The platform's variables that both apps
 * honour (proxies, `NODE_ENV`) are not settings of ours: they are `platformSchema`'s, merged in.
 */
export const commonSchema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379').describe('Redis connection URL'),
  REDIS_CLUSTER_NODES: csv().optional().describe('host:port list of a Redis Cluster; used instead of REDIS_URL'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[^\s:]+$/, 'no spaces or colons')
    .default('{dtbot}')
    .describe('prefix of every Redis key; its {hash tag} keeps them in one Cluster slot, and each queue shard gets a tag made from it'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  DINGTALK_APP_KEY: z.string().optional().describe('AppKey / clientId / robotCode of the robot'),
  DINGTALK_APP_SECRET: z.string().optional().describe('AppSecret: callback signatures, access tokens'),
  DINGTALK_CREDENTIALS: credentialPairs()
    .optional()
    .describe('several robots: appKey:appSecret,appKey:appSecret'),
  ROBOTS_FILE: z
    .string()
    .transform((path, ctx) => {
      // Read and checked here, at start, so a bad file stops the process like a bad variable.
      const read = readRobotsFile(path);
      if ('file' in read) return read.file;
      for (const problem of read.problems) ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    })
    .optional()
    .describe('per-robot options (model, system prompt, memory scope, card template; AppSecret allowed), JSON or YAML'),
  DINGTALK_WEBHOOK_ORIGINS: csv()
    .pipe(z.array(z.string().url()).min(1))
    .default(['https://oapi.dingtalk.com', 'https://api.dingtalk.com'])
    .describe('origins a sessionWebhook may point to'),
  DINGTALK_API_BASE_URL: z.string().url().default('https://api.dingtalk.com').describe('DingTalk OpenAPI base'),
  MEMORY_SCOPE: z
    .enum(['user', 'group', 'none'])
    .default('user')
    .describe('whose turns share memory: each user in a conversation, the whole group, or nobody'),
  QUEUE_SHARDS: integer(1)
    .max(MAX_QUEUE_SHARDS)
    .default(1)
    .describe('conversations partitioned over this many queues, each under a hash tag of its own, so a Redis Cluster spreads them over its masters'),
  // Read by both apps: the worker answers commands and knows admins and VIPs; the gateway sends their messages
  // ahead of a backlog (the priority lane).
  ADMIN_USERS: csv()
    .default([])
    .describe('admins (staff id or sender id): allowed unless denied, exempt from quotas, may use admin commands; their messages go ahead of a backlog'),
  VIP_USERS: csv().default([]).describe('VIP users (staff id or sender id): exempt from the daily quotas; their messages go ahead of a backlog'),
  RESET_COMMANDS: csv().default(['/reset', '重置', '清空会话']).describe('words that clear a conversation\'s memory'),
  // Read by both apps, like the other command words: the gateway sends them ahead of a backlog, a worker acts on them.
  STOP_COMMANDS: csv()
    .default(['/stop', '停止'])
    .describe('words that stop the asker\'s answer being written in this conversation (what was written stays, marked stopped)'),
  FEEDBACK_COMMANDS: csv()
    .refine((words) => words.length % 2 === 0, 'good and bad words in pairs: /good,/bad,👍,👎')
    .default(['/good', '/bad', '👍', '👎'])
    .describe('pairs of words rating an answer, good then bad: as a reply quoting an answer, or alone for the asker\'s last answer here'),
  // Read by both apps: the gateway schedules the notice as it stores the message, a worker sends it.
  QUEUE_NOTICE_AFTER_MS: integer(0)
    .default(5000)
    .describe('a message whose answer has not started this long after it arrived gets one notice: its place in the queue and the estimated wait; 0 = off'),
}).extend(platformSchema.shape);

export const gatewaySchema = commonSchema.extend({
  PORT: integer(0).max(65535).default(8090).describe('HTTP port of the gateway'),
  DINGTALK_MODE: z
    .enum(['http', 'stream', 'both'])
    .default('http')
    .describe('how robot messages arrive: HTTP callbacks, the Stream connection each robot opens, or both'),
  DASHBOARD_USERNAME: z.string().optional().describe('user name of the queue dashboard at /admin/queues; unset = dashboard off'),
  DASHBOARD_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters: the dashboard can retry and remove jobs')
    .optional()
    .describe('password of the queue dashboard (basic authentication); unset = dashboard off'),
  DASHBOARD_PORT: integer(0)
    .max(65535)
    .optional()
    .describe('serve the dashboard on this port instead of PORT, to keep it off the Internet-facing one'),
  DASHBOARD_READ_ONLY: flag().default(false).describe('dashboard shows jobs but offers no action'),
  // One name, "this process's metrics port", with a default per process: the gateway's is below the worker's 9464,
  // as `pnpm start` gives several workers 9464, 9465, … on the gateway's host.
  METRICS_PORT: integer(0)
    .max(65535)
    .default(9463)
    .describe('gateway port of /metrics, apart from PORT so that the metrics are not served where DingTalk reaches; 0 = any free port'),
  PLAYGROUND: flag()
    .optional()
    .describe('serve the chat playground at /playground; unset = on only when no DingTalk credentials are set, outside NODE_ENV=production'),
});

export const workerSchema = commonSchema.extend({
  OPENAI_PROVIDER: z
    .enum(['openai', 'azure', 'dify'])
    .default('openai')
    .describe('openai: OPENAI_BASE_URL (OpenAI or any compatible endpoint); azure: Azure OpenAI (AZURE_OPENAI_*); dify: a Dify app answers (DIFY_*)'),
  OPENAI_API_KEY: z.string().min(1).optional().describe('model API key; required unless OPENAI_PROVIDER is azure or dify'),
  OPENAI_BASE_URL: z.string().url().default('https://api.openai.com/v1').describe('any OpenAI-compatible endpoint'),
  OPENAI_MODEL: z
    .string()
    .min(1)
    .default('gpt-4o-mini')
    .describe('model name; with Azure, the model its deployment runs (it decides token counting and parameters)'),
  AZURE_OPENAI_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe('Azure OpenAI resource, e.g. https://<name>.openai.azure.com; required with OPENAI_PROVIDER=azure'),
  AZURE_OPENAI_API_KEY: z.string().min(1).optional().describe('Azure OpenAI key; required with OPENAI_PROVIDER=azure'),
  AZURE_OPENAI_DEPLOYMENT: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, _ . - only')
    .optional()
    .describe('Azure OpenAI deployment to call; unset = the deployment named like OPENAI_MODEL'),
  OPENAI_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a date like 2024-10-21, optionally with -preview')
    .default('2024-10-21')
    .describe('Azure OpenAI api-version'),
  DIFY_BASE_URL: z
    .string()
    .url()
    .optional()
    .describe('a Dify app\'s API base, e.g. https://api.dify.ai/v1 (self-hosted: https://<host>/v1); required with OPENAI_PROVIDER=dify'),
  DIFY_API_KEY: z.string().min(1).optional().describe('the Dify app\'s API key (app-…); required with OPENAI_PROVIDER=dify'),
  OPENAI_VISION: flag()
    .default(false)
    .describe('send pictures users send to the model (vision-capable models only); false = users are told pictures are not read'),
  FILE_MAX_BYTES: integer(1)
    .max(FILE_MAX_BYTES_LIMIT, `at most ${FILE_MAX_BYTES_LIMIT} (24 MiB): the bytes one worker holds of downloads at once`)
    .default(20_971_520)
    .describe('largest file a user sends that is downloaded and read (PDF, Word, Excel, PowerPoint, CSV, text); a larger one gets a reply saying so'),
  FILE_MAX_TOKENS: integer(1)
    .default(8000)
    .describe('most tokens of a file\'s text put into the conversation (the real tokenizer counts them); the rest is cut, and the model is told'),
  OPENAI_MAX_TOKENS: integer(1).optional().describe('upper bound of an answer\'s tokens; unset = model default'),
  OPENAI_TEMPERATURE: z.coerce.number().min(0).max(2).optional().describe('sampling temperature; unset = model default'),
  OPENAI_FALLBACK_BASE_URL: z
    .string()
    .url()
    .optional()
    .describe('a second OpenAI-compatible provider, used while the first one\'s circuit is open; needs OPENAI_FALLBACK_API_KEY'),
  OPENAI_FALLBACK_API_KEY: z.string().min(1).optional().describe('API key of OPENAI_FALLBACK_BASE_URL'),
  OPENAI_FALLBACK_MODEL: z
    .string()
    .min(1)
    .optional()
    .describe('model asked of OPENAI_FALLBACK_BASE_URL; unset = the model the robot asks for'),
  PROVIDERS_FILE: z
    .string()
    .optional()
    .describe('more providers (OpenAI-compatible or Azure), JSON or YAML, tried in order after the first and the fallback'),
  MCP_SERVERS: namedUrls()
    .default([])
    .describe('MCP tool servers over Streamable HTTP the model may call, name=url,name=url; empty = none (see MCP_SERVERS_FILE)'),
  MCP_SERVERS_FILE: z
    .string()
    .optional()
    .describe('MCP tool servers in full, JSON or YAML: HTTP with headers or stdio with command/args/env, tool allow-lists, which robots and personas may use each'),
  TOOLS_MAX_STEPS: integer(1).max(50).default(8).describe('model and tool rounds per answer; past them the model answers without tools'),
  TOOL_TIMEOUT_MS: integer(100).default(30_000).describe('one tool call\'s time limit; past it the model is told the tool timed out'),
  OPENAI_RPM: integer(0).default(0).describe('model requests per rolling minute, all workers together; 0 = no limit'),
  OPENAI_TPM: integer(0).default(0).describe('model tokens per rolling minute, all workers together; 0 = no limit'),
  WORKER_CONCURRENCY: integer(1).default(20).describe('jobs in flight per worker process'),
  SESSION_TTL_SECONDS: integer(1).default(600).describe('idle time after which memory is forgotten'),
  SYSTEM_PROMPT: z.string().optional().describe('system prompt of every conversation: the default persona'),
  PERSONAS_FILE: z
    .string()
    .optional()
    .describe('personas (system prompts) and prompt templates, JSON or YAML; unset = the set the worker ships with'),
  SCHEDULE_COMMANDS: csv()
    .default(['/schedule', '定时'])
    .describe('admin only: words that add (`/schedule <cron> <prompt>`), list, remove (`remove <id>`) and run now (`run <id>`) the chat\'s scheduled prompts'),
  SCHEDULES_FILE: z
    .string()
    .optional()
    .describe('scheduled prompts declared in YAML (cron, timezone, chat, prompt, persona), loaded at worker start: added, changed, and removed when gone from the file'),
  SCHEDULES_PER_CHAT: integer(1)
    .default(10)
    .describe('the most scheduled prompts one chat (group or private chat) may have'),
  ACCESS_ALLOW_GROUPS: csv()
    .default([])
    .describe('only these groups (conversationId) may use the robot; private chats are not groups; empty = every group'),
  ACCESS_ALLOW_USERS: csv()
    .default([])
    .describe('only these users (staff id, or sender id for users of another organisation) may use it; empty = everyone'),
  ACCESS_DENY_GROUPS: csv().default([]).describe('groups (conversationId) the robot refuses; deny wins over every allow and admin'),
  ACCESS_DENY_USERS: csv().default([]).describe('users (staff id or sender id) the robot refuses; deny wins over every allow and admin'),
  SENSITIVE_WORDS: csv()
    .default([])
    .describe('words refused in questions and masked in answers, any case of Latin letters; empty = none'),
  QUOTA_USER_DAILY: integer(0)
    .default(0)
    .describe('questions (and pictures) a user may ask per day, per robot; admins and VIPs are exempt; 0 = unlimited'),
  QUOTA_GROUP_DAILY: integer(0)
    .default(0)
    .describe('questions (and pictures) a group may ask per day, per robot, admins\' and VIPs\' not counted; 0 = unlimited'),
  QUOTA_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai')
    .describe('the time zone whose midnight starts a new quota day'),
  USAGE_RETENTION_DAYS: integer(7)
    .default(30)
    .describe('days of token usage and estimated cost per robot, user and group kept in Redis (at least 7: /usage shows a week)'),
  MODEL_PRICES: modelPrices()
    .default({})
    .describe(
      'US$ prices that replace or add to the bundled price table: model=inputPerMillion/outputPerMillion for chat ' +
        'models, model=pricePerImage/image for image models, comma-separated',
    ),
  BUDGET_DAILY_USD: z.coerce
    .number()
    .min(0)
    .default(0)
    .describe('estimated model spend per local day (QUOTA_TIMEZONE), all robots together, after which only admins are answered; 0 = no budget'),
  HELP_TEXT: z.string().optional().describe('replaces the built-in help text'),
  DINGTALK_CARD_TEMPLATE_ID: z
    .string()
    .optional()
    .describe('AI-card template id (from DingTalk\'s card platform); set = model answers stream into a card'),
  DINGTALK_CARD_UPDATE_MS: integer(0).default(300).describe('shortest gap between two streaming updates of one card'),
  METRICS_PORT: integer(0).max(65535).default(9464).describe('worker port of /metrics, /healthz, /readyz'),
});

/** `PLAYGROUND` is decided at load (`loadGatewayConfig`): as set, or on by default without DingTalk credentials. */
export type GatewayConfig = Omit<z.infer<typeof gatewaySchema>, 'PLAYGROUND'> & { PLAYGROUND: boolean };
export type WorkerConfig = z.infer<typeof workerSchema>;
export type CommonConfig = z.infer<typeof commonSchema>;
