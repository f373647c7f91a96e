import { createQueueEvents, jobIdFor, type Job, type Queue, type QueueEvents, type Worker } from '@dtbot/queue';
import { Redis } from 'ioredis';
import {
  createLogger,
  jobPriorityFor,
  lanePolicyFrom,
  loadWorkerConfig,
  MESSAGE_JOB_NAME,
  MESSAGE_QUEUE_NAME,
  redisKeys,
  shardIndexFor,
  type MessageJob,
  type RedisKeys,
} from '@dtbot/shared';
import {
  buildCallback,
  buildGroupCallback,
  cleanupPrefix,
  createTestPrefix,
  DEFAULT_ROBOT_CODE,
  redisUrlForTests,
  startFakeDingTalk,
  startFakeOpenAI,
  type CallbackOverrides,
  type DingTalkCallbackPayload,
  type FakeDingTalk,
  type FakeDingTalkBehaviour,
  type FakeOpenAI,
  type FakeOpenAIOptions,
} from '@dtbot/testkit';
import { buildWorkerDeps } from '../src/build-deps.js';
import { createWorkers } from '../src/create-worker.js';
import { noticeSweepers, type NoticeSweeper } from '../src/notices/notice-sweeper.js';
import { loadPersonaCatalog } from '../src/personas/load-persona-catalog.js';
import { loadProvidersFile } from '../src/model/providers/load-providers-file.js';
import type { WorkerDeps, WorkerSettings } from '../src/deps.js';
import type { WorkerTuning } from '../src/worker-tuning.js';
import { messageJobFor } from './message-job-for.js';
import { writeProvidersFile, type ProviderEntryText } from './providers-file-for-tests.js';
import { createScheduleWorker } from '../src/schedules/schedule-worker.js';
import type { ScheduleDefinition } from '../src/schedules/schedule-definition.js';

const APP_SECRET = 'worker-test-secret';

export interface HarnessOptions {
  label: string;
  /** Worker settings as environment variables, on top of the harness' own; a function is given the fakes. */
  env?: Record<string, string> | ((fakes: { openai: FakeOpenAI; dingtalk: FakeDingTalk }) => Record<string, string>);
  /** Entries of a `PROVIDERS_FILE` the harness writes (and deletes at close) and the worker loads; given the fakes. */
  providers?: (fakes: { openai: FakeOpenAI; dingtalk: FakeDingTalk }) => ProviderEntryText[];
  openai?: FakeOpenAIOptions;
  /** How the fake DingTalk behaves (its credentials are the harness robot's). */
  dingtalk?: FakeDingTalkBehaviour;
  /** Settings that have no variable (waits); by default a throttled job waits 10–50 ms, not seconds. */
  settings?: Partial<WorkerSettings>;
  /** Tries per message; retries wait 10 ms instead of the gateway's exponential backoff. */
  attempts?: number;
  /**
   * Share another harness' Redis state (model circuits, rate limits) as a second worker would:
   * its prefix, with a queue of this harness' own so each harness settles the messages it sent.
   */
  join?: WorkerHarness;
  /** The clock local days are counted by (quotas, usage, budgets); `Date.now` unless a test moves it. */
  now?: () => number;
  /** Jobs in flight per shard; 4 by default. */
  concurrency?: number;
  /** Workers take no job until `resume()`: a test stores a backlog first. */
  paused?: boolean;
  /** Smaller tuning values than production's (a circuit opening after one failure). */
  tuning?: Partial<Omit<WorkerTuning, 'queueName'>>;
  /** Short locks and stall checks let a test see a stalled job taken over in about a second, not 35. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export type Settled = 'completed' | 'failed';

export interface SentMessage {
  jobId: string;
  /** Resolves when the job completed, or failed for good (not on a failed attempt that is retried). */
  settled: Promise<Settled>;
}

export interface WorkerHarness {
  /** The Redis prefix of everything this harness stores. */
  prefix: string;
  openai: FakeOpenAI;
  dingtalk: FakeDingTalk;
  /** The deps of queue shard 0 (of the only shard unless `QUEUE_SHARDS` is set). */
  deps: WorkerDeps;
  /** The deps of every queue shard, in shard order. */
  shards: readonly WorkerDeps[];
  /** The keys all shards share (rate limit windows, quotas, tokens). */
  sharedKeys: RedisKeys;
  /** Shard 0's queue. */
  queue: Queue<MessageJob>;
  /**
   * Each shard's queue-notice sweeper, running (when `QUEUE_NOTICE_AFTER_MS` is on): a test may also `sweep` a
   * later moment itself instead of waiting for it.
   */
  sweepers: readonly NoticeSweeper[];
  /** Shard 0's event stream (`delayed`, `waiting`, …), for tests that must see a job park. */
  events: QueueEvents;
  /** A private-chat text message whose webhook points at the fake DingTalk. */
  message(overrides?: CallbackOverrides): DingTalkCallbackPayload;
  /** A group message that @-mentions the robot, webhook on the fake DingTalk. */
  groupMessage(overrides?: CallbackOverrides): DingTalkCallbackPayload;
  /**
   * Stores a callback as a job in its conversation's shard, numbered in its thread as the gateway numbers it;
   * `stamped` is what the gateway adds from what it verified (the message's `source`), or a field a test changes
   * (one set to `undefined` is not stored, as JSON drops it: the shape of an older gateway's job).
   */
  send(callback: DingTalkCallbackPayload, stamped?: Partial<MessageJob>): Promise<SentMessage>;
  /** Sends a callback, waits until its job settles, and gives every text delivered to its conversation so far. */
  ask(callback: DingTalkCallbackPayload): Promise<{ reply: string; jobId: string; outcome: Settled }>;
  /** Starts the workers of a harness started `paused`. */
  resume(): void;
  /**
   * Starts one more worker of the schedules' ticks, on a connection of its own as another process's would be
   * (none runs until a test starts one); closed with the harness.
   */
  startScheduleWorker(): Promise<Worker<ScheduleDefinition>>;
  close(): Promise<void>;
}

/**
 * The real processor in this process: deps from `buildWorkerDeps` (as `main.ts` builds them), a
 * BullMQ worker from `createWorker`, real Redis under a prefix of its own, the fake model and the
 * fake DingTalk over real HTTP.
 */
export async function startWorkerHarness(options: HarnessOptions): Promise<WorkerHarness> {
  const prefix = options.join?.prefix ?? createTestPrefix(options.label);
  // A worker joining another's prefix reads a queue of its own: the two share Redis state, not jobs.
  const queueName = options.join ? `${options.label}-queue` : MESSAGE_QUEUE_NAME;
  const openai = await startFakeOpenAI(options.openai);
  const dingtalk = await startFakeDingTalk({ ...options.dingtalk, credentials: { [DEFAULT_ROBOT_CODE]: APP_SECRET } });
  const providersFile = options.providers && writeProvidersFile(options.providers({ openai, dingtalk }));
  const { config } = loadWorkerConfig({
    REDIS_URL: redisUrlForTests(),
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    DINGTALK_APP_KEY: DEFAULT_ROBOT_CODE,
    DINGTALK_APP_SECRET: APP_SECRET,
    DINGTALK_WEBHOOK_ORIGINS: dingtalk.origin,
    DINGTALK_API_BASE_URL: dingtalk.apiBaseURL,
    OPENAI_API_KEY: 'sk-worker-test',
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_MODEL: 'fake-model',
    // Off unless a test turns them on: a test that keeps messages waiting would otherwise also get notices.
    QUEUE_NOTICE_AFTER_MS: '0',
    ...(providersFile ? { PROVIDERS_FILE: providersFile.file } : {}),
    ...(typeof options.env === 'function' ? options.env({ openai, dingtalk }) : options.env),
  });
  // Our own commands auto-pipelined, as main.ts makes them.
  const redis = new Redis(config.REDIS_URL, { enableAutoPipelining: true });
  // BullMQ's worker and event reader block on their connections, so each gets its own.
  const workerConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const eventsConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const built = buildWorkerDeps(
    config,
    createLogger('worker-test', 'silent'),
    redis,
    loadPersonaCatalog(config.PERSONAS_FILE),
    loadProvidersFile(config.PROVIDERS_FILE),
    options.now,
    { ...options.tuning, queueName },
    undefined,
    // As main.ts does: the queues on BullMQ's worker connection.
    workerConnection,
  );
  const quickDelays = { jobDelay: { baseMs: 10, maxMs: 50, maxDelays: 3 } };
  const shards: WorkerDeps[] = built.map((shard) => ({ ...shard, settings: { ...shard.settings, ...quickDelays, ...options.settings } }));
  const deps = shards[0]!;
  const perShard = options.concurrency ?? 4;
  const workers: Worker<MessageJob>[] = createWorkers(shards, workerConnection, {
    queueName,
    concurrency: perShard * shards.length,
    lockDurationMs: options.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs,
  });
  // From the stream's start (the prefix is new): no event is missed while the reader starts.
  const events = createQueueEvents(queueName, { connection: eventsConnection, prefix, lastEventId: '0-0' });
  await Promise.all([...workers.map((worker) => worker.waitUntilReady()), events.waitUntilReady()]);
  // Every message sent and not yet settled listens for its end: a backlog has many.
  for (const worker of workers) worker.setMaxListeners(0);
  const resume = () => {
    for (const worker of workers) if (!worker.isRunning()) void worker.run();
  };
  if (!options.paused) resume();
  const sweepers = noticeSweepers(shards, { intervalMs: 50, batch: 50 });
  for (const sweeper of sweepers) sweeper.start();
  const lanes = lanePolicyFrom(config);

  const settledOf = (jobId: string) =>
    new Promise<Settled>((resolve) => {
      const completed = (job: Job<MessageJob>) => finish(job, 'completed');
      const failed = (job: Job<MessageJob> | undefined) => {
        // A failed attempt that will be retried has no finishedOn yet.
        if (job?.finishedOn) finish(job, 'failed');
      };
      const finish = (job: Job<MessageJob>, outcome: Settled) => {
        if (job.id !== jobId) return;
        for (const worker of workers) worker.off('completed', completed).off('failed', failed);
        resolve(outcome);
      };
      for (const worker of workers) worker.on('completed', completed).on('failed', failed);
    });

  const send = async (callback: DingTalkCallbackPayload, stamped: Partial<MessageJob> = {}): Promise<SentMessage> => {
    const unnumbered = messageJobFor(callback, 1, config.MEMORY_SCOPE);
    const shard = shards[shardIndexFor(unnumbered.conversationKey, shards.length)]!;
    // The lane, the priority and the queue notice as the gateway decides them.
    const lane = lanes.laneOf({ ...unnumbered, source: stamped.source ?? unnumbered.source }, unnumbered.prompt);
    const noticeAfterMs = config.QUEUE_NOTICE_AFTER_MS;
    const noticeAt = noticeAfterMs > 0 && !lanes.isCommand(unnumbered.prompt) ? Date.now() + noticeAfterMs : undefined;
    const [turn] = await shard.turns.nextMany([{ ...unnumbered, ...(noticeAt !== undefined ? { noticeAt } : {}) }]);
    const data: MessageJob = { ...unnumbered, lane, ...stamped, seq: turn!.seq };
    const jobId = jobIdFor(data.orderKey, data.seq);
    const settled = settledOf(jobId);
    const priority = jobPriorityFor(data.lane ?? 'normal', turn!.load);
    await shard.queue.add(MESSAGE_JOB_NAME, data, {
      jobId,
      ...(priority !== undefined ? { priority } : {}),
      attempts: options.attempts ?? 3,
      backoff: { type: 'fixed', delay: 10 },
    });
    return { jobId, settled };
  };

  const scheduleWorkers: Worker<ScheduleDefinition>[] = [];
  const scheduleConnections: Redis[] = [];
  const startScheduleWorker = async () => {
    const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    scheduleConnections.push(connection);
    const worker = createScheduleWorker(shards, connection, { prefix: config.REDIS_PREFIX, lockDurationMs: options.lockDurationMs, stalledIntervalMs: options.stalledIntervalMs });
    scheduleWorkers.push(worker);
    await worker.waitUntilReady();
    void worker.run();
    return worker;
  };

  return {
    prefix,
    openai,
    dingtalk,
    deps,
    shards,
    sharedKeys: redisKeys(prefix),
    queue: deps.queue,
    sweepers,
    events,
    message: (overrides = {}) => buildCallback({ sessionWebhook: dingtalk.sessionWebhook(), ...overrides }),
    groupMessage: (overrides = {}) => buildGroupCallback({ sessionWebhook: dingtalk.sessionWebhook(), ...overrides }),
    send,
    async ask(callback) {
      const { jobId, settled } = await send(callback);
      const outcome = await settled;
      const session = new URL(callback.sessionWebhook).searchParams.get('session');
      const reply = dingtalk.delivered().filter((message) => message.target === session).map((message) => message.text).join('\n');
      return { reply, jobId, outcome };
    },
    resume,
    startScheduleWorker,
    async close() {
      await Promise.all([...workers.map((worker) => worker.close()), ...scheduleWorkers.map((worker) => worker.close()), ...sweepers.map((sweeper) => sweeper.stop())]);
      await deps.schedules.close();
      await events.close();
      await deps.tools?.close();
      await Promise.all(deps.queues.map((queue) => queue.close()));
      await deps.stops.close();
      for (const shard of shards) await cleanupPrefix(redis, shard.shard.prefix);
      await Promise.all([redis, workerConnection, eventsConnection, ...scheduleConnections].map((connection) => connection.quit()));
      await Promise.all([openai.close(), dingtalk.close()]);
      providersFile?.remove();
    },
  };
}
