import { createQueue, type Queue } from '@dtbot/queue';
import { Cluster, Redis } from 'ioredis';
import { queueShards } from '@dtbot/shared';
import {
  buildCallback,
  buildGroupCallback,
  cleanupPrefix,
  createTestPrefix,
  DEFAULT_ROBOT_CODE,
  redisUrlForTests,
  signedHeaders,
  startFakeDingTalk,
  startFakeDingTalkStream,
  startFakeOpenAI,
  type CallbackOverrides,
  type FakeDingTalk,
  type FakeDingTalkOptions,
  type FakeDingTalkStream,
  type FakeDingTalkStreamOptions,
  type FakeOpenAI,
  type FakeOpenAIOptions,
} from '@dtbot/testkit';
import { spawnApp, type RunningApp } from './spawn-app.js';

export const APP_SECRET = 'e2e-app-secret';

export interface SystemOptions {
  label: string;
  workers?: number;
  redisUrl?: string;
  /** A Redis Cluster's `host:port,…` (REDIS_CLUSTER_NODES), used instead of `redisUrl`. */
  redisClusterNodes?: string;
  /** QUEUE_SHARDS of every app (default 1). */
  queueShards?: number;
  env?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  openai?: FakeOpenAIOptions;
  dingtalk?: FakeDingTalkOptions;
  /** Runs the gateway in Stream mode, connected to a fake Stream server with these options. */
  stream?: Omit<FakeDingTalkStreamOptions, 'credentials'>;
  /**
   * `plumbing`: only Redis and where the fake DingTalk is (webhook origins, API base); the test gives
   * every other setting itself, as an operator would (e.g. another product's variable names).
   * Default `ours`: also the robot's credentials and the model's settings.
   */
  settings?: 'ours' | 'plumbing';
}

export interface PostResult {
  status: number;
  body: unknown;
}

/**
 * The whole product on this machine: fake OpenAI and fake DingTalk (real HTTP servers on
 * 127.0.0.1), the built gateway and N built workers as real processes, one Redis key prefix that
 * is removed on close.
 */
export class System {
  readonly workers: RunningApp[] = [];
  /** Gateways started after the first (`addGateway`). */
  readonly moreGateways: RunningApp[] = [];

  private constructor(
    readonly options: SystemOptions,
    readonly prefix: string,
    readonly redisUrl: string,
    readonly redis: Redis | Cluster,
    /** The queue of each queue shard; one unless `queueShards` asks for more. */
    readonly queues: Queue[],
    readonly openai: FakeOpenAI,
    readonly dingtalk: FakeDingTalk,
    readonly gateway: RunningApp,
    /** The fake Stream server, in Stream mode. */
    readonly stream: FakeDingTalkStream | undefined,
  ) {}

  static async start(options: SystemOptions): Promise<System> {
    const prefix = createTestPrefix(options.label);
    const redisUrl = options.redisUrl ?? redisUrlForTests();
    const openai = await startFakeOpenAI(options.openai);
    const dingtalk = await startFakeDingTalk({ credentials: { [DEFAULT_ROBOT_CODE]: APP_SECRET }, ...options.dingtalk });
    const redis = options.redisClusterNodes
      ? new Cluster(options.redisClusterNodes.split(',').map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })))
      : new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const env = System.commonEnv(prefix, redisUrl, openai, dingtalk, { settings: options.settings, env: System.redisEnv(options) });
    const stream = options.stream
      ? await startFakeDingTalkStream({ credentials: { [DEFAULT_ROBOT_CODE]: APP_SECRET }, ...options.stream })
      : undefined;
    // The gateway asks the fake Stream server for its connection; the worker still sends to the fake DingTalk.
    const streamEnv: Record<string, string> = stream ? { DINGTALK_MODE: 'stream', DINGTALK_API_BASE_URL: stream.apiBaseURL } : {};
    const gatewayEnv = { ...env, PORT: '0', ...streamEnv, ...options.gatewayEnv };
    const gateway = await spawnApp('gateway', gatewayEnv, /gateway listening/);
    // BullMQ leaves connections it was given open, so the queues use this same client, closed below.
    const queues = queueShards(prefix, options.queueShards ?? 1).map((shard) => createQueue('messages', { connection: redis, prefix: shard.prefix }));
    const system = new System(options, prefix, redisUrl, redis, queues, openai, dingtalk, gateway, stream);
    for (let i = 0; i < (options.workers ?? 1); i += 1) await system.addWorker();
    return system;
  }

  private static commonEnv(
    prefix: string,
    redisUrl: string,
    openai: FakeOpenAI,
    dingtalk: FakeDingTalk,
    { env: extra = {}, settings = 'ours' }: Pick<SystemOptions, 'env' | 'settings'>,
  ) {
    const plumbing = {
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
      DINGTALK_WEBHOOK_ORIGINS: dingtalk.origin,
      DINGTALK_API_BASE_URL: dingtalk.apiBaseURL,
      // A test that keeps messages waiting (a crash, an outage) would otherwise also get queue notices; they have
      // tests of their own, and a test that wants them sets a delay.
      QUEUE_NOTICE_AFTER_MS: '0',
      // Any free port for each process's /metrics: several gateways and workers run on this one machine.
      METRICS_PORT: '0',
    };
    if (settings === 'plumbing') return { ...plumbing, ...extra };
    return {
      ...plumbing,
      DINGTALK_APP_KEY: DEFAULT_ROBOT_CODE,
      DINGTALK_APP_SECRET: APP_SECRET,
      OPENAI_API_KEY: 'sk-e2e',
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_MODEL: 'fake-model',
      ...extra,
    };
  }

  /** The Redis Cluster and queue shards asked for, under the other settings a test gives. */
  private static redisEnv(options: SystemOptions): Record<string, string> {
    return {
      ...(options.redisClusterNodes ? { REDIS_CLUSTER_NODES: options.redisClusterNodes } : {}),
      ...(options.queueShards ? { QUEUE_SHARDS: String(options.queueShards) } : {}),
      ...options.env,
    };
  }

  get env(): Record<string, string> {
    return System.commonEnv(this.prefix, this.redisUrl, this.openai, this.dingtalk, { settings: this.options.settings, env: System.redisEnv(this.options) });
  }

  /** Shard 0's queue (the only one unless `queueShards` asks for more). */
  get queue(): Queue {
    return this.queues[0]!;
  }

  /** Another gateway on the same Redis and settings, as a load balancer or DingTalk's Stream would spread over. */
  async addGateway(): Promise<RunningApp> {
    const gateway = await spawnApp('gateway', { ...this.env, PORT: '0', ...this.options.gatewayEnv }, /gateway listening/);
    this.moreGateways.push(gateway);
    return gateway;
  }

  async addWorker(extraEnv: Record<string, string> = {}): Promise<RunningApp> {
    const worker = await spawnApp('worker', { ...this.env, METRICS_PORT: '0', ...this.options.workerEnv, ...extraEnv }, /worker health and metrics listening/);
    this.workers.push(worker);
    return worker;
  }

  /** A private-chat text message whose webhook points at the fake DingTalk. */
  message(overrides: CallbackOverrides = {}) {
    return buildCallback({ sessionWebhook: this.dingtalk.sessionWebhook(), ...overrides });
  }

  groupMessage(overrides: CallbackOverrides = {}) {
    return buildGroupCallback({ sessionWebhook: this.dingtalk.sessionWebhook(), ...overrides });
  }

  /**
   * Posts a body as DingTalk does: signed with the app secret unless other headers are given, to a gateway (the
   * first by default), on `path` (ours by default; `/` is chatgpt-dingtalk's).
   */
  async post(
    payload: unknown,
    headers: Record<string, string> = signedHeaders(APP_SECRET),
    gateway = this.gateway,
    path = '/dingtalk/callback',
  ): Promise<PostResult> {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`, { method: 'POST', headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }

  async get(path: string, port = this.gateway.port): Promise<PostResult> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.text() };
  }

  /** Jobs of the message queue in any state, every shard's. */
  async jobCount(): Promise<number> {
    let total = 0;
    for (const queue of this.queues) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
      total += Object.values(counts).reduce((sum, count) => sum + count, 0);
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([this.gateway, ...this.moreGateways, ...this.workers].map((app) => app.stop('SIGTERM')));
    for (const queue of this.queues) await queue.close();
    for (const shard of queueShards(this.prefix, this.queues.length)) await cleanupPrefix(this.redis, shard.prefix);
    this.redis.disconnect();
    await Promise.all([this.openai.close(), this.dingtalk.close(), this.stream?.close()]);
  }
}
