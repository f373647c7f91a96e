import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueStateCache } from './queue-state/queue-state-cache.js';
import { registerQueueGauges } from './queue-state/queue-gauges.js';

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** The gateway's metrics; with a queue state cache, also the queue gauges (read from BullMQ when scraped). */
export function createGatewayMetrics(queueState?: QueueStateCache) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dtbot_gateway_' });
  if (queueState) registerQueueGauges(registry, queueState);
  return {
    registry,
    callbacks: new Counter({
      name: 'dtbot_gateway_callbacks_total',
      help: 'Callbacks answered, by result (stored, duplicate, or the error code)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'dtbot_gateway_ack_seconds',
      help: 'Time from request to acknowledgement of stored callbacks',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
