import { createQueue, type Job, type Queue } from '@dtbot/queue';
import { Redis } from 'ioredis';
import { commonSchema, createRedis, lanePolicyFrom, queueShards, robotCodesOf, type MessageJob, type RedisClient, type Robot } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests, startPausableTcpProxy, type PausableTcpProxy } from '@dtbot/testkit';
import type { AcceptDeps } from '../../src/accept/accept-message.js';
import { shardStores } from '../../src/shard-stores.js';

export const ALLOWED_ORIGIN = 'https://oapi.dingtalk.com';
/** The robot of a single-robot deployment. */
export const ROBOT: Robot = {
  robotCode: 'dingcontractrobot',
  appKey: 'dingcontractrobot',
  appSecret: 'contract-secret',
  options: { memoryScope: 'user' },
};
/** A VIP of the stack's settings (whose other settings, the command words included, are the defaults). */
export const VIP_STAFF_ID = 'vip-staff';
/** As the gateway's default `QUEUE_NOTICE_AFTER_MS`. */
export const NOTICE_AFTER_MS = 5000;
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
  /** The queue of each shard (one unless asked for more), read on the direct connection. */
  readonly queues: readonly Queue<MessageJob>[];
  readonly proxy: PausableTcpProxy;
  /** The accept path of a second gateway on the same Redis (its own connection, queues and numbering). */
  anotherGateway(): Promise<AcceptDeps>;
  /** The jobs of a message, in any shard. */
  jobsOf(msgId: string): Promise<Job<MessageJob>[]>;
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startAcceptStack(label: string, options: { enqueueTimeoutMs?: number; queueShards?: number } = {}): Promise<AcceptStack> {
  const prefix = createTestPrefix(label);
  const shards = queueShards(prefix, options.queueShards ?? 1);
  const target = new URL(redisUrlForTests());
  const proxy = await startPausableTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  // As main.ts builds it: fail fast, so a refused message is refused quickly.
  const redis = createRedis({ url: proxy.through(redisUrlForTests()), failFast: true });
  await new Promise((resolve) => redis.once('ready', resolve));
  const direct = new Redis(redisUrlForTests());
  const readers = shards.map((shard) => createQueue<MessageJob>('messages', { connection: direct, prefix: shard.prefix }));
  const closing: (() => Promise<unknown>)[] = [];
  const acceptOn = (connection: RedisClient): AcceptDeps => {
    const stores = shardStores(connection, shards, 'messages', { dedupeTtlMs: 60_000 });
    closing.push(...stores.map(({ queue }) => () => queue.close()));
    return {
      allowedOrigins: [ALLOWED_ORIGIN],
      enqueue: {
        shards: stores,
        timeoutMs: options.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS,
        isConnected: () => connection.status === 'ready',
        robotCodes: robotCodesOf([ROBOT]),
        lanes: lanePolicyFrom(commonSchema.parse({ VIP_USERS: VIP_STAFF_ID })),
        noticeAfterMs: NOTICE_AFTER_MS,
      },
    };
  };
  const accept = acceptOn(redis);
  const jobs = async () => (await Promise.all(readers.map((reader) => reader.getJobs([...ALL_STATES])))).flat();
  return {
    prefix,
    accept,
    redis,
    queues: readers,
    proxy,
    async anotherGateway() {
      const connection = createRedis({ url: redisUrlForTests(), failFast: true });
      await new Promise((resolve) => connection.once('ready', resolve));
      const another = acceptOn(connection);
      closing.push(async () => connection.disconnect());
      return another;
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
      await Promise.all(readers.map((reader) => reader.close()));
      redis.disconnect();
      await proxy.close();
      for (const shard of shards) await cleanupPrefix(direct, shard.prefix);
      direct.disconnect();
    },
  };
}
