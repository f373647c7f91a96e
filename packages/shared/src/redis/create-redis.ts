import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  url: string;
  clusterNodes?: string[] | undefined;
  /**
   * `false` makes commands fail at once while disconnected instead of waiting in ioredis'
   * offline queue: the gateway must refuse a callback quickly rather than hang.
   * BullMQ workers need `true` (they block on Redis) and `maxRetriesPerRequest: null`.
   */
  failFast: boolean;
  connectionName?: string;
  /**
   * ioredis' auto-pipelining: the commands of one tick leave in one write. On for the worker's own commands: with
   * 20 jobs in flight their commands share writes, and Redis spent 12–15 % less main-thread CPU per answered
   * message with it, the worker's CPU the same (docs/benchmarks.md). Off elsewhere: the gateway lost a fifth of its
   * acks per second and 50 MB of RSS with it, and BullMQ's connections block.
   */
  autoPipelining?: boolean;
}

export function createRedis(options: RedisConnectionOptions): RedisClient {
  const common: RedisOptions = {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    enableAutoPipelining: options.autoPipelining ?? false,
    connectionName: options.connectionName,
    // Reconnect quickly at first, then every 2 s at most, forever.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
  if (options.clusterNodes && options.clusterNodes.length > 0) {
    const nodes = options.clusterNodes.map((node) => {
      const [host, port] = node.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
    });
    return new Cluster(nodes, {
      redisOptions: common,
      enableOfflineQueue: common.enableOfflineQueue ?? true,
      enableAutoPipelining: options.autoPipelining ?? false,
    });
  }
  return new Redis(options.url, common);
}
