import type { ShardQueue } from '../shard-stores.js';
import { readQueueState, type QueueState } from './read-queue-state.js';

export interface QueueStateSnapshot {
  /** False when Redis did not answer the reads within the timeout: the queue figures are then unknown. */
  redisUp: boolean;
  queues: QueueState[];
}

export interface QueueStateCacheOptions {
  /** A snapshot younger than this is served as it is, however many scrapers ask. */
  maxAgeMs?: number;
  /** Reads that take longer count as Redis being down. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * The queues' state for `/metrics`, read from BullMQ when scraped. Several Prometheus replicas, a Grafana and a
 * KEDA scaler may all scrape every gateway: one read per `maxAgeMs` and one read in flight at a time keep that
 * from turning into a load on Redis.
 */
export class QueueStateCache {
  private snapshot: { at: number; value: QueueStateSnapshot } | undefined;
  private inFlight: Promise<QueueStateSnapshot> | undefined;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly queues: readonly ShardQueue[],
    options: QueueStateCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  read(): Promise<QueueStateSnapshot> {
    if (this.snapshot && this.now() - this.snapshot.at < this.maxAgeMs) return Promise.resolve(this.snapshot.value);
    this.inFlight ??= this.readAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async readAll(): Promise<QueueStateSnapshot> {
    const at = this.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    const queues = await Promise.race([Promise.all(this.queues.map((queue) => readQueueState(queue, at))), timeout]).catch(
      () => undefined,
    );
    clearTimeout(timer);
    const value = { redisUp: queues !== undefined, queues: queues ?? [] };
    this.snapshot = { at, value };
    return value;
  }
}
