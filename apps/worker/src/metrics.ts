import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitState } from './model/providers/provider-circuits.js';

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/** Who failed a job its workers stalled on too often (`poison-job.ts`): the worker that took it, or BullMQ at its limit. */
export const POISON_SETTLERS = ['worker', 'stall_limit'] as const;
export type PoisonSettler = (typeof POISON_SETTLERS)[number];

export interface WorkerMetricsOptions {
  /** Each provider's circuit as Redis holds it, read when scraped; unset = one provider, no circuits. */
  circuitStates?: () => Promise<Record<string, CircuitState>>;
}

export function createWorkerMetrics({ circuitStates }: WorkerMetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dtbot_worker_' });
  return {
    registry,
    jobs: new Counter({
      name: 'dtbot_worker_jobs_total',
      help: 'Messages handled, by outcome (answered, image, command, note, refusal, parked, rate_limited, delayed, retry, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    poisonJobs: poisonJobsCounter(registry),
    deliveries: new Counter({
      name: 'dtbot_worker_deliveries_total',
      help: 'Message parts delivered, by route (webhook, openapi, card: a finalized card; playground: to the playground page) and result',
      labelNames: ['route', 'result'] as const,
      registers: [registry],
    }),
    modelRequests: new Counter({
      name: 'dtbot_worker_model_requests_total',
      help: 'Model requests, by provider (primary, fallback, or its PROVIDERS_FILE name) and result (ok or the error kind)',
      labelNames: ['provider', 'result'] as const,
      registers: [registry],
    }),
    modelSeconds: new Histogram({
      name: 'dtbot_worker_model_seconds',
      help: 'Model request latency',
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'dtbot_worker_tool_calls_total',
      help: 'Tool calls the model asked for, by MCP server (its configured name) and outcome (ok, error, timeout, refused: a function not offered or arguments not JSON)',
      labelNames: ['server', 'outcome'] as const,
      registers: [registry],
    }),
    toolSeconds: new Histogram({
      name: 'dtbot_worker_tool_seconds',
      help: 'Tool call latency, by MCP server',
      labelNames: ['server'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers: [registry],
    }),
    answerSeconds: new Histogram({
      name: 'dtbot_worker_answer_seconds',
      help: 'From callback stored to answer delivered',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    storedToStartedSeconds: new Histogram({
      name: 'dtbot_worker_stored_to_started_seconds',
      help:
        'From the gateway storing a message to a worker starting its reply: the model request sent (admitted by ' +
        'the rate limiter), or a command or note produced. Once per message; again after a 429 from the model',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 600],
      registers: [registry],
    }),
    rateLimitedSeconds: new Counter({
      name: 'dtbot_worker_rate_limited_seconds_total',
      help:
        'Waits imposed by rate limits, by scope: queue (every worker pauses, for the model\'s limits; each worker ' +
        'that met the limit adds the pause) or job (one job waits, for DingTalk throttling one conversation)',
      labelNames: ['scope'] as const,
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'dtbot_worker_model_tokens_total',
      help:
        'Model tokens by robot, model and direction: in (prompt) or out (completion), as the provider counted them ' +
        '(usage), or counted with the tokenizer when it sent none',
      labelNames: ['robot', 'model', 'direction'] as const,
      registers: [registry],
    }),
    modelCostUsd: new Counter({
      name: 'dtbot_worker_model_cost_usd_total',
      help: 'Estimated cost of model calls in US dollars (price table or MODEL_PRICES), by robot and model; calls without a price add nothing',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    unpricedCalls: new Counter({
      name: 'dtbot_worker_model_unpriced_calls_total',
      help: 'Model calls whose model has no price (add it to MODEL_PRICES): their cost is missing from the estimates and the budgets',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    images: new Counter({
      name: 'dtbot_worker_images_total',
      help: 'Pictures generated, by robot and image model',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    dingtalkRequests: new Counter({
      name: 'dtbot_worker_dingtalk_requests_total',
      help:
        'Requests to DingTalk by api (webhook, openapi, token, legacy_token, media, card) and result: ok, errcode_<n> (webhook and legacy), http_<status>, ' +
        'unreached (recipients not reached), malformed, unreachable',
      labelNames: ['api', 'result'] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'dtbot_worker_refusals_total',
      help: 'Messages refused with a short reply, by reason (access_denied, admins_only, sensitive_question, quota_exceeded, budget_reached)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    providerSwitches: new Counter({
      name: 'dtbot_worker_provider_switches_total',
      help:
        'Model provider circuits that changed, by provider and direction: away (its circuit opened, the next provider ' +
        'serves) or back (a probe succeeded, it serves again); each change is counted once, by the worker that made it',
      labelNames: ['provider', 'direction'] as const,
      registers: [registry],
    }),
    providerCircuit: new Gauge({
      name: 'dtbot_worker_provider_circuit',
      help:
        'Circuit of each model provider as every worker shares it in Redis, read when scraped: 1 for its state ' +
        '(closed, open, half_open: cool-down over, one probe may go), 0 for the others. Absent with a single provider',
      labelNames: ['provider', 'state'] as const,
      registers: [registry],
      async collect() {
        if (!circuitStates) return;
        // A scrape while Redis is away shows no circuit rather than failing the whole scrape.
        const states = await circuitStates().catch(() => ({}));
        this.reset();
        for (const [provider, current] of Object.entries(states)) {
          for (const state of CIRCUIT_STATES) this.set({ provider, state }, state === current ? 1 : 0);
        }
      },
    }),
    queueNotices: new Counter({
      name: 'dtbot_worker_queue_notices_total',
      help: 'Queue notices (a waiting message told its place and the estimated wait), by result: sent, skipped (its answer started first, or it was gone), failed (not delivered)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    cards: new Counter({
      name: 'dtbot_worker_cards_total',
      help: 'AI cards by result: created, refused (by DingTalk: the answer went out as messages), finished, failed (ended in the error state)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    feedbackGood: new Counter({
      name: 'dtbot_worker_feedback_good_total',
      help: 'Good ratings of answers given by feedback words, by robot and model (a changed vote counts for its new rating)',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    feedbackBad: new Counter({
      name: 'dtbot_worker_feedback_bad_total',
      help: 'Bad ratings of answers given by feedback words, by robot and model (a changed vote counts for its new rating)',
      labelNames: ['robot', 'model'] as const,
      registers: [registry],
    }),
    stoppedAnswers: new Counter({
      name: 'dtbot_worker_stopped_answers_total',
      help: 'Answers stopped while the model wrote them (a card\'s stop button or a stop word): delivered as written so far',
      registers: [registry],
    }),
    cardDrafts: new Counter({
      name: 'dtbot_worker_card_drafts_total',
      help: 'Drafts streamed into AI cards while the model writes, by result: shown, skipped (no room in the card API budget, or throttled), failed',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    answerParts: new Histogram({
      name: 'dtbot_worker_answer_parts',
      help: 'Messages an answer was split into (at most 2,000 characters and 6,000 bytes each)',
      buckets: [1, 2, 3, 4, 6, 10],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'dtbot_worker_failures_total',
      help: 'Failed steps settled, by the failure catalogue code (docs/failures.md): each retry, wait or final failure counts once',
      labelNames: ['failure'] as const,
      registers: [registry],
    }),
  };
}

/**
 * Its series exist from the start at 0: a poison message is rare, and `increase()` (the alert's) cannot see the
 * first one of a series that appears with it.
 */
function poisonJobsCounter(registry: Registry) {
  const counter = new Counter({
    name: 'dtbot_worker_poison_jobs_total',
    help:
      'Messages failed with the apology because their workers stalled on them twice (a message that blocks or crashes ' +
      'its worker), by who settled it: worker (the next worker to take it) or stall_limit (BullMQ failed it at its ' +
      'own limit after our settling was interrupted)',
    labelNames: ['by'] as const,
    registers: [registry],
  });
  for (const by of POISON_SETTLERS) counter.inc({ by }, 0);
  return counter;
}
