import { randomUUID } from 'node:crypto';
import { classifyError } from '../failures/classify-error.js';
import type { WorkerMetrics } from '../metrics.js';
import type { ModelProvider } from './providers/model-provider.js';
import { trackDepartures } from '../http/request-departures.js';
import { WorkerFailure } from '../failures/worker-failure.js';

/**
 * One request to a model provider (chat or images) under its own rate limit: admitted by
 * the limiter with its estimated tokens, counted from the moment it leaves, timed, and reported
 * back (a 429 pauses everyone). A refusal by our own limit is a `rate_limited` error; any failure
 * of the call comes back classified. `permit` names the call's window entries, for `correct`.
 */
export async function callUnderLimit<T>(
  deps: { metrics: WorkerMetrics },
  { name: provider, limiter }: Pick<ModelProvider, 'name' | 'limiter'>,
  estimatedTokens: number,
  call: () => Promise<T>,
  /** Told once the limiter admitted the call, as it is sent. */
  onSent?: () => void,
): Promise<{ result: T; permit: string }> {
  const permit = randomUUID();
  const wait = await limiter.acquire(permit, estimatedTokens);
  if (wait > 0) throw new WorkerFailure('model_limit_reached', 'model rate limit reached', { retryAfterMs: wait });
  onSent?.();

  let departed: Promise<void> = Promise.resolve();
  const depart = () => {
    departed = limiter.depart(permit, estimatedTokens).catch(() => undefined);
  };
  const stopTimer = deps.metrics.modelSeconds.startTimer();
  let result: T;
  try {
    result = await trackDepartures(depart, call);
  } catch (error) {
    await departed;
    const failure = classifyError(error);
    deps.metrics.modelRequests.inc({ provider, result: failure.kind });
    const outcome = failure.kind === 'rate_limited' ? 'throttled' : 'error';
    await limiter.release(permit, outcome, failure.retryAfterMs).catch(() => undefined);
    throw failure;
  } finally {
    stopTimer();
  }
  deps.metrics.modelRequests.inc({ provider, result: 'ok' });
  await departed;
  // Not awaited: the release leaves in one round trip with what the caller writes next (the call's usage, its kept
  // answer), as the worker's connection pipelines the commands of one turn of the event loop. Redis runs one
  // connection's commands in the order they were sent, and a release that fails changes nothing for the caller.
  void limiter.release(permit, 'ok').catch(() => undefined);
  return { result, permit };
}
