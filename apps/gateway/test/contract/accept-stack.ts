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
/** Short, so a refusal for an unanswering Redis comes quickly. */
export const ENQUEUE_TIMEOUT_MS = 300;

const ALL_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * The accept path as the gateway builds it, on a real Redis under its own prefix. Its Redis
 * connection goes through a pausable proxy, so a test can make Redis stop answering for the
 * gateway alone; jobs are read back on a direct connection.
 */
export interface AcceptStack {
  readonly accept: AcceptDeps;
  /** The gateway's connection (through the proxy). */
  readonly redis: RedisClient;
  readonly queue: Queue<MessageJob>;
  readonly proxy: PausableTcpProxy;
  jobsOf(msgId: string): Promise<Job<MessageJob>[]>;
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startAcceptStack(label: string): Promise<AcceptStack> {
  const prefix = createTestPrefix(label);
  const target = new URL(redisUrlForTests());
  const proxy = await startPausableTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  // As main.ts builds it: fail fast, so a refused message is refused quickly.
  const redis = createRedis({ url: proxy.through(redisUrlForTests()), failFast: true });
  await new Promise((resolve) => redis.once('ready', resolve));
  const queue = new Queue<MessageJob>('messages', { connection: redis, prefix });
  const direct = new Redis(redisUrlForTests());
  const reader = new Queue<MessageJob>('messages', { connection: direct, prefix });
  const turns = new Turns(redis, redisKeys(prefix));
  const accept: AcceptDeps = {
    allowedOrigins: [ALLOWED_ORIGIN],
    enqueue: {
      queue,
      turns,
      numbering: new TurnBatcher(turns),
      dedupeTtlMs: 60_000,
      timeoutMs: ENQUEUE_TIMEOUT_MS,
      isConnected: () => redis.status === 'ready',
    },
  };
  const jobs = () => reader.getJobs([...ALL_STATES]);
  return {
    accept,
    redis,
    queue,
    proxy,
    async jobsOf(msgId) {
      return (await jobs()).filter((job) => job.data.msgId === msgId);
    },
    async jobCount() {
      return (await jobs()).length;
    },
    async close() {
      proxy.resume();
      await queue.close();
      await reader.close();
      redis.disconnect();
      await proxy.close();
      await cleanupPrefix(direct, prefix);
      direct.disconnect();
    },
  };
}
