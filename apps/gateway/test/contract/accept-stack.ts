import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedis, redisKeys, Turns, type MessageJob, type RedisClient, type Robot } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests, startPausableTcpProxy, type PausableTcpProxy } from '@dtbot/testkit';
import type { AcceptDeps } from '../../src/accept/accept-message.js';
import { TurnBatcher } from '../../src/ordering/turn-batcher.js';

export const ALLOWED_ORIGIN = 'https://oapi.dingtalk.com';
/** The robot of a single-robot deployment. */
export const ROBOT: Robot = {
  robotCode: 'dingcontractrobot',
  appKey: 'dingcontractrobot',
  appSecret: 'contract-secret',
  options: { memoryScope: 'user' },
};
/** Short by default, so a refusal for an unanswering Redis comes quickly. */
const ENQUEUE_TIMEOUT_MS = 300;

const ALL_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * The accept path as the gateway builds it, on a real Redis under its own prefix. Its Redis
 * connection goes through a pausable proxy, so a test can make Redis stop answering for the
 * gateway alone; jobs are read back on a direct connection.
 */
export interface AcceptStack {
  /** The key prefix of this stack's Redis keys. */
  readonly prefix: string;
  readonly accept: AcceptDeps;
  /** The gateway's connection (through the proxy). */
  readonly redis: RedisClient;
  readonly queue: Queue<MessageJob>;
  readonly proxy: PausableTcpProxy;
  /** The accept path of a second gateway on the same Redis (its own connection, queue and numbering). */
  anotherGateway(): Promise<AcceptDeps>;
  jobsOf(msgId: string): Promise<Job<MessageJob>[]>;
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startAcceptStack(label: string, options: { enqueueTimeoutMs?: number } = {}): Promise<AcceptStack> {
  const prefix = createTestPrefix(label);
  const target = new URL(redisUrlForTests());
  const proxy = await startPausableTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  // As main.ts builds it: fail fast, so a refused message is refused quickly.
  const redis = createRedis({ url: proxy.through(redisUrlForTests()), failFast: true });
  await new Promise((resolve) => redis.once('ready', resolve));
  const queue = new Queue<MessageJob>('messages', { connection: redis, prefix });
  const direct = new Redis(redisUrlForTests());
  const reader = new Queue<MessageJob>('messages', { connection: direct, prefix });
  const closing: (() => Promise<unknown>)[] = [];
  const acceptOn = (connection: RedisClient, gatewayQueue: Queue<MessageJob>): AcceptDeps => {
    const turns = new Turns(connection, redisKeys(prefix));
    return {
      allowedOrigins: [ALLOWED_ORIGIN],
      enqueue: {
        queue: gatewayQueue,
        turns,
        numbering: new TurnBatcher(turns),
        dedupeTtlMs: 60_000,
        timeoutMs: options.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS,
        isConnected: () => connection.status === 'ready',
      },
    };
  };
  const jobs = () => reader.getJobs([...ALL_STATES]);
  return {
    prefix,
    accept: acceptOn(redis, queue),
    redis,
    queue,
    proxy,
    async anotherGateway() {
      const connection = createRedis({ url: redisUrlForTests(), failFast: true });
      await new Promise((resolve) => connection.once('ready', resolve));
      const gatewayQueue = new Queue<MessageJob>('messages', { connection, prefix });
      closing.push(() => gatewayQueue.close(), async () => connection.disconnect());
      return acceptOn(connection, gatewayQueue);
    },
    async jobsOf(msgId) {
      return (await jobs()).filter((job) => job.data.msgId === msgId);
    },
    async jobCount() {
      return (await jobs()).length;
    },
    async close() {
      proxy.resume();
      for (const close of closing) await close();
      await queue.close();
      await reader.close();
      redis.disconnect();
      await proxy.close();
      await cleanupPrefix(direct, prefix);
      direct.disconnect();
    },
  };
}
