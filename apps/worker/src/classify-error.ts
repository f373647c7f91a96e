import { APIConnectionError, APIError } from 'openai';
import { BotError } from '@dtbot/shared';
import { DINGTALK_ERRORS } from './dingtalk/dingtalk-error-codes.js';
import { DingTalkError } from './dingtalk/dingtalk-error.js';
import { retryAfterMs } from './model/retry-after.js';

/** Used when a 429 names no wait: long enough to let a window roll, short enough to stay responsive. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 2000;

/**
 * The one place that decides what a failure means. Everything the model SDK, `fetch` or DingTalk
 * produced becomes a BotError of kind `retryable`, `rate_limited` or `fatal`; a rate limit also
 * says who waits (every worker for the model, only the job for DingTalk).
 */
export function classifyError(error: unknown): BotError {
  if (error instanceof BotError) return error;
  if (error instanceof DingTalkError) return classifyDingTalkError(error);
  if (error instanceof APIConnectionError) {
    return new BotError('retryable', 'model API could not be reached or timed out', { cause: error });
  }
  if (error instanceof APIError) return classifyModelError(error);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new BotError('retryable', 'request timed out', { cause: error });
  }
  return new BotError('retryable', error instanceof Error ? error.message : 'unknown failure', { cause: error });
}

function classifyModelError(error: APIError): BotError {
  const status = error.status ?? 0;
  // OpenAI answers an exhausted quota with 429 too; waiting will not refill it.
  if (status === 429 && error.code === 'insufficient_quota') {
    return new BotError('fatal', 'model API quota exhausted', { cause: error });
  }
  if (status === 429) {
    const wait = retryAfterMs(error.headers ?? undefined) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return new BotError('rate_limited', 'model API answered 429', { cause: error, retryAfterMs: wait, waitScope: 'queue' });
  }
  if (status === 408 || status === 409 || status >= 500 || status === 0) {
    return new BotError('retryable', `model API answered ${status}`, { cause: error });
  }
  return new BotError('fatal', `model API answered ${status}`, { cause: error });
}

/** DingTalk names no wait when it throttles: the job's own backoff decides (`queue-action.ts`). */
function classifyDingTalkError(error: DingTalkError): BotError {
  const row = DINGTALK_ERRORS.find((candidate) => candidate.matches(error.answer));
  const kind = row?.kind ?? 'retryable';
  const meaning = row ? `: ${row.meaning}` : '';
  return new BotError(kind, `${error.message}${meaning}`, { cause: error, waitScope: 'job' });
}
