import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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
    cardCallbacks: new Counter({
      name: 'dtbot_gateway_card_callbacks_total',
      help: 'Presses of AI-card buttons, by outcome (stopped, stop_refused, already_finished, voted, vote_unchanged, not_finished, unknown_card, ignored, invalid)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    feedbackGood: new Counter({
      name: 'dtbot_gateway_feedback_good_total',
      help: 'Good ratings of answers given by card buttons, by robot and model (a changed vote counts for its new rating)',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    feedbackBad: new Counter({
      name: 'dtbot_gateway_feedback_bad_total',
      help: 'Bad ratings of answers given by card buttons, by robot and model (a changed vote counts for its new rating)',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'dtbot_gateway_ack_seconds',
      help: 'Time from request to acknowledgement of stored callbacks',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    streamConnections: new Gauge({
      name: 'dtbot_gateway_stream_connections',
      help: 'Open Stream connections per robot (two for a moment while a connection is rotated)',
      labelNames: ['robot'] as const,
      registers: [registry],
    }),
    streamFrames: new Counter({
      name: 'dtbot_gateway_stream_frames_total',
      help: 'Stream frames received, by type (CALLBACK, EVENT, SYSTEM, other, or malformed)',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    streamMessages: new Counter({
      name: 'dtbot_gateway_stream_messages_total',
      help: 'Robot messages received over Stream, by result (stored, duplicate, or the refusal code)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    streamAckSeconds: new Histogram({
      name: 'dtbot_gateway_stream_ack_seconds',
      help: 'Time from a robot message frame to its ACK',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    streamReconnects: new Counter({
      name: 'dtbot_gateway_stream_reconnects_total',
      help: 'Stream connections opened again, by reason (disconnect, closed, dead, open_failed)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
