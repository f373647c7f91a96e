import { MESSAGE_QUEUE_NAME } from '@dtbot/shared';
import { CARD_CALLS_PER_SECOND } from './delivery/card/card-call-budget.js';
import { PICTURE_MAX_BYTES } from './pictures/picture-budget.js';
import { TOOL_NOTICE_AFTER_MS } from './tools/tool-progress.js';
import { MODEL_TIMEOUT_MS } from './model/model-timeout.js';
import { CIRCUIT_COOLDOWN_MS, CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_MAX_WAIT_MS } from './model/providers/provider-circuits.js';

/**
 * What `buildWorkerDeps` takes beyond the configuration: the queue it reads and the tuning constants, each defined,
 * with the reason for its value, in the module that uses it. Production runs on `WORKER_TUNING`; tests pass smaller
 * values to see in a second what takes a minute.
 */
export interface WorkerTuning {
  /** The queue read in each shard; a test's second worker on the same prefix reads one of its own. */
  queueName: string;
  circuitFailureThreshold: number;
  circuitCooldownMs: number;
  circuitMaxWaitMs: number;
  cardCallsPerSecond: number;
  pictureMaxBytes: number;
  /** How long a round's tools run before a chat without a card gets a progress line. */
  toolNoticeAfterMs: number;
  /** One model request of a provider that names no timeout of its own. */
  modelTimeoutMs: number;
}

export const WORKER_TUNING: WorkerTuning = {
  queueName: MESSAGE_QUEUE_NAME,
  circuitFailureThreshold: CIRCUIT_FAILURE_THRESHOLD,
  circuitCooldownMs: CIRCUIT_COOLDOWN_MS,
  circuitMaxWaitMs: CIRCUIT_MAX_WAIT_MS,
  cardCallsPerSecond: CARD_CALLS_PER_SECOND,
  pictureMaxBytes: PICTURE_MAX_BYTES,
  toolNoticeAfterMs: TOOL_NOTICE_AFTER_MS,
  modelTimeoutMs: MODEL_TIMEOUT_MS,
};
