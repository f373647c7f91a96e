import { APIError } from 'openai';
import type { BotError } from '@dtbot/shared';
import { DifyError } from '../dify/dify-error.js';
import type { CallVerdict } from './provider-circuits.js';

/** Answers that say this provider will refuse every call until someone acts: a key it refuses, a deployment or model it lacks. */
const REFUSES_US = new Set([401, 403, 404]);

/**
 * What a failed call (already classified) says about its provider's health:
 * - `failure`: the provider is unwell (5xx, timeout, connection refused or reset); counted, and
 *   enough of them in a row open its circuit;
 * - `trip`: it will not serve us for a while, so its circuit opens at once: a 429 asking for a
 *   longer wait than `maxWaitMs` (the next provider serves instead of every worker pausing), an
 *   exhausted quota, or a 401/403/404 (counting those to the threshold would only apologise to
 *   more users);
 * - `neutral`: the provider is fine and the request or the moment was not (a 400, a short 429
 *   that the rate limiter waits out).
 * Returns the wait a `trip` asks for (0 when it named none: the cool-down applies).
 */
export function verdictOf(failure: BotError, maxWaitMs: number): { verdict: CallVerdict; openForMs: number } {
  const cause = refusalOf(failure.cause);
  if (failure.kind === 'rate_limited') {
    const wait = failure.retryAfterMs ?? 0;
    return wait > maxWaitMs ? { verdict: 'trip', openForMs: wait } : { verdict: 'neutral', openForMs: 0 };
  }
  if (failure.kind === 'retryable') return { verdict: 'failure', openForMs: 0 };
  if (cause && (REFUSES_US.has(cause.status) || cause.quotaExhausted)) return { verdict: 'trip', openForMs: 0 };
  return { verdict: 'neutral', openForMs: 0 };
}

/** What the provider answered, from the model SDK's error or a Dify app's. */
function refusalOf(cause: unknown): { status: number; quotaExhausted: boolean } | undefined {
  if (cause instanceof APIError) return { status: cause.status ?? 0, quotaExhausted: cause.code === 'insufficient_quota' };
  if (cause instanceof DifyError) return { status: cause.status, quotaExhausted: cause.code === 'provider_quota_exceeded' };
  return undefined;
}
