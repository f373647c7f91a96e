import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dtbot_worker_' });
  return {
    registry,
    jobs: new Counter({
      name: 'dtbot_worker_jobs_total',
      help: 'Messages handled, by outcome (answered, command, note, parked, rate_limited, delayed, retry, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'dtbot_worker_deliveries_total',
      help: 'Message parts delivered to DingTalk, by route (webhook, openapi) and result',
      labelNames: ['route', 'result'] as const,
      registers: [registry],
    }),
    modelRequests: new Counter({
      name: 'dtbot_worker_model_requests_total',
      help: 'Model requests, by result (ok or the error kind)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    modelSeconds: new Histogram({
      name: 'dtbot_worker_model_seconds',
      help: 'Model request latency',
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    answerSeconds: new Histogram({
      name: 'dtbot_worker_answer_seconds',
      help: 'From callback stored to answer delivered',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
  };
}
