import { Gauge, type Registry } from 'prom-client';
import { QUEUE_STATES, type QueueState } from './read-queue-state.js';
import type { QueueStateCache } from './queue-state-cache.js';

type Sample = [labels: Record<string, string>, value: number];

/**
 * A gauge whose series are set from the cached queue read at each scrape. A queue that could not be read has no
 * series, rather than its last value going stale.
 */
function queueGauge(registry: Registry, cache: QueueStateCache, name: string, help: string, labelNames: string[], samples: (queue: QueueState) => Sample[]) {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const snapshot = await cache.read();
      this.reset();
      for (const queue of snapshot.queues) for (const [labels, value] of samples(queue)) this.set(labels, value);
    },
  });
}

/** A queue shard's series: the queue's name and the shard's number (`0` with one shard), a few values each. */
function labelsOf(queue: QueueState): Record<string, string> {
  return { queue: queue.queue, shard: String(queue.shard) };
}

/**
 * Gauges of the queues' state, set from one cached read when `/metrics` is scraped. The gateway serves them
 * because it always runs, even while workers are scaled to zero, and autoscaling needs the queue depth most then.
 * Each series has `queue` and `shard` labels so that several queues, and the shards of one, show side by side.
 */
export function registerQueueGauges(registry: Registry, cache: QueueStateCache): void {
  queueGauge(
    registry,
    cache,
    'dtbot_queue_jobs',
    `Jobs in the queue, by state (${QUEUE_STATES.join(', ')}); read from BullMQ when scraped, at most every few seconds`,
    ['queue', 'shard', 'state'],
    (queue) => QUEUE_STATES.map((state) => [{ ...labelsOf(queue), state }, queue.counts[state]]),
  );
  queueGauge(
    registry,
    cache,
    'dtbot_queue_oldest_waiting_seconds',
    "Age of the oldest job in the wait list: the longest a conversation's next question has waited to start",
    ['queue', 'shard'],
    (queue) => [[labelsOf(queue), queue.oldestWaitingSeconds]],
  );
  queueGauge(
    registry,
    cache,
    'dtbot_queue_workers',
    'Worker processes connected to the queue (absent where Redis refuses CLIENT LIST)',
    ['queue', 'shard'],
    (queue) => (queue.workers === undefined ? [] : [[labelsOf(queue), queue.workers]]),
  );
  new Gauge({
    name: 'dtbot_redis_up',
    help: '1 when Redis answered the last queue read within 2 s, else 0',
    registers: [registry],
    async collect() {
      this.set((await cache.read()).redisUp ? 1 : 0);
    },
  });
}
