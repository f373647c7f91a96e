import type { Queue } from '@dtbot/queue';
import type { Logger, MessageJob, MessageSource, MessageStore, QueueShard, RedisClient, ShardKeys, Turns } from '@dtbot/shared';
import type { ConversationMemory } from './memory/conversation-memory.js';
import type { DifyConversations } from './model/dify/dify-conversations.js';
import type { AnswerLimits } from './model/answer-limits.js';
import type { DelayPolicy } from './queue-action.js';
import type { ModelProvider } from './model/providers/model-provider.js';
import type { ProviderCircuits } from './model/providers/provider-circuits.js';
import type { TokenCounter } from './tokens/token-counter.js';
import type { DingTalkClient, RobotApp } from './dingtalk/dingtalk-client.js';
import type { CardCallBudget } from './delivery/card/card-call-budget.js';
import type { FileReader } from './files/file-reader.js';
import type { PictureBudget } from './pictures/picture-budget.js';
import type { MessageRoute } from './delivery/message-route.js';
import type { WorkerMetrics } from './metrics.js';
import type { AccessPolicy } from './access/access-policy.js';
import type { DailyQuotas } from './quota/daily-quotas.js';
import type { DailyBudget } from './usage/daily-budget.js';
import type { PriceTable } from './usage/price-table.js';
import type { UsageLedger } from './usage/usage-ledger.js';
import type { SensitiveWords } from './moderation/sensitive-words.js';
import type { WorkerRobotOptions } from './robot-options.js';
import type { PersonaCatalog } from './personas/persona-catalog.js';
import type { PersonaChoices } from './personas/persona-choices.js';
import type { NoticeSchedule } from './notices/notice-schedule.js';
import type { McpToolbox } from './tools/mcp-toolbox.js';
import type { ScheduleBook } from './schedules/schedule-book.js';
import type { AnswerStops } from './stops/answer-stops.js';
import type { AnswerFeedback } from './usage/answer-feedback.js';

/**
 * What the worker's steps need, built once in `build-deps.ts` (or by a test's harness) and passed in: one per queue
 * shard, the shard's own queue, keys, turns, memory and personas beside everything the shards share. No function
 * takes the whole bag: each takes a `Pick` of it named for its module (`TakeTurnDeps`, `CallModelDeps`, …), so a
 * reader sees who uses what; `deps.test.ts` keeps it so.
 */
export interface WorkerDeps {
  logger: Logger;
  redis: RedisClient;
  /** The queue shard this worker serves: a job's conversation state is in its shard. */
  shard: QueueShard;
  /** The shard's keys (the shared ones are built into the classes that use them). */
  keys: ShardKeys;
  /** The shard's queue. */
  queue: Queue<MessageJob>;
  /** Every shard's queue: the model's rate limit pauses them all. */
  queues: readonly Queue<MessageJob>[];
  turns: Turns;
  /** Stores a message in the shard's queue as the gateway does (numbered, deduplicated): the runs of scheduled prompts. */
  messageStore: Pick<MessageStore, 'store'>;
  /** The shard's queue notices (`QUEUE_NOTICE_AFTER_MS`); `undefined` when they are off. */
  notices: NoticeSchedule | undefined;
  memory: ConversationMemory;
  /** The shard's memory threads' conversations in Dify apps (ids only: Dify keeps their history). */
  difyConversations: DifyConversations;
  /** Counts tokens for the memory budget and the rate limiter alike. */
  tokens: TokenCounter;
  /**
   * The model providers, in the order they are tried: `OPENAI_*` / `AZURE_*`, then
   * `OPENAI_FALLBACK_*`, then `PROVIDERS_FILE`.
   */
  providers: readonly ModelProvider[];
  /**
   * The providers a robot's questions go to: its own Dify app when `ROBOTS_FILE` names one for it, else
   * `providers`.
   */
  providersFor(robotCode: string): readonly ModelProvider[];
  /** Their circuit breakers, shared through Redis; `undefined` with a single provider (nothing to switch to). */
  circuits: ProviderCircuits | undefined;
  /** The MCP tool servers the model may call (`MCP_SERVERS`, `MCP_SERVERS_FILE`); `undefined` when none is configured. */
  tools: McpToolbox | undefined;
  /** Which field caps an answer's tokens, per model. */
  answerLimits: AnswerLimits;
  metrics: WorkerMetrics;
  /** Every request to DingTalk goes through it (allowed origins, timeout, errors, access tokens). */
  dingtalk: DingTalkClient;
  /**
   * The message routes of each source, in the order they are tried: a DingTalk message's webhook,
   * then the OpenAPI; a playground message's playground webhook, and nothing else.
   */
  messageRoutes: Readonly<Record<MessageSource, readonly MessageRoute[]>>;
  /** The AppKey/AppSecret a robot calls DingTalk's APIs with; `undefined` when none is set. */
  robotApp: (robotCode: string) => RobotApp | undefined;
  /**
   * The options of the robot a message belongs to (memory scope, model, system prompt, card
   * template, …; `ROBOTS_FILE`, else the deployment's settings): the one place the worker reads
   * them, so a per-robot value reaches every step that uses it.
   */
  robotOptions(robotCode: string): WorkerRobotOptions;
  /** Who may use the robot, and who is an admin or a VIP (`ACCESS_*`, `ADMIN_USERS`, `VIP_USERS`). */
  access: AccessPolicy;
  /** `SENSITIVE_WORDS`: refused in questions, masked in answers. */
  sensitiveWords: SensitiveWords;
  /** Daily questions per user and group, in Redis (`QUOTA_*`). */
  quotas: DailyQuotas;
  /** Tokens, pictures and estimated cost per robot, model, user and group, per day, in Redis. */
  usage: UsageLedger;
  /** Estimated prices per model (the bundled table, `MODEL_PRICES`). */
  prices: PriceTable;
  /** `BUDGET_DAILY_USD` and each robot's own budget, against the day's estimated spend. */
  budget: DailyBudget;
  /** The personas and templates users can pick (`PERSONAS_FILE`, or the shipped set). */
  personas: PersonaCatalog;
  /** Each memory thread's chosen persona, in Redis. */
  personaChoices: PersonaChoices;
  /** Card API calls per second, shared by every worker. */
  cardBudget: CardCallBudget;
  /** The scheduled prompts (`/schedule`, `SCHEDULES_FILE`), timed by BullMQ's job schedulers. */
  schedules: ScheduleBook;
  /** Bytes of pictures this process holds for the model at once, shared by every job of every shard. */
  pictureBudget: PictureBudget;
  /** Reads the text of files users send, one at a time, each in a thread under time and memory limits. */
  fileReader: FileReader;
  /** Hears the stops (card buttons, stop words) of the answers this process writes, from any process. */
  stops: AnswerStops;
  /** Ratings of answers (card buttons, feedback words), per person and per robot, model and persona. */
  feedback: AnswerFeedback;
  settings: WorkerSettings;
}

/** Settings every robot shares; what may differ per robot is in `robotOptions`. */
export interface WorkerSettings {
  resetCommands: readonly string[];
  helpCommands: readonly string[];
  settingsCommands: readonly string[];
  personaCommands: readonly string[];
  /** Admin only: today's usage. */
  usageCommands: readonly string[];
  /** Admin only: the chat's scheduled prompts (`SCHEDULE_COMMANDS`). */
  scheduleCommands: readonly string[];
  /** Stop the sender's answer being written in this conversation. */
  stopCommands: readonly string[];
  /** Pairs of words rating an answer: good, then bad. */
  feedbackCommands: readonly string[];
  helpText: string | undefined;
  /** Words that start an image request. */
  imageCommands: readonly string[];
  /** Some provider draws pictures (a `PROVIDERS_FILE` entry's `imageModel` / `imageDeployment`); false = image requests are declined. */
  draws: boolean;
  /** Largest picture a user sent that is downloaded for the model (`PICTURE_MAX_BYTES`). */
  pictureMaxBytes: number;
  /** All pictures of one question together, at most (`PICTURE_BYTES_PER_QUESTION`); also caps a single picture. */
  pictureBytesPerQuestion: number;
  /** Largest file a user sent that is downloaded and read (`FILE_MAX_BYTES`); counted in `pictureBudget` too. */
  fileMaxBytes: number;
  /** Most tokens of a file's text put into the conversation (`FILE_MAX_TOKENS`). */
  fileMaxTokens: number;
  /** A parked job looks again after this long even if nobody wakes it. */
  turnRecheckMs: number;
  /** A missing earlier message is given up on after this long (its store was refused or lost). */
  gapGraceMs: number;
  /** How long a job waits when DingTalk throttles its conversation, and how often. */
  jobDelay: DelayPolicy;
  card: CardSettings;
}

export interface CardSettings {
  /** Shortest gap between two streaming updates of one card (`DINGTALK_CARD_UPDATE_MS`). */
  updateMs: number;
  /** First pause of every worker's card calls after DingTalk answered QpsLimit; doubles while it repeats. */
  throttleBackoffMs: number;
  /** Longest a card call that may not be skipped waits for the budget before the job is handed back to wait. */
  maxWaitMs: number;
}
