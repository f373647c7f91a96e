import { APIConnectionError, APIError } from 'openai';
import { BotError, type ErrorKind } from '@dtbot/shared';
import { DINGTALK_ERRORS } from '../dingtalk/dingtalk-error-codes.js';
import { DingTalkError } from '../dingtalk/dingtalk-error.js';
import { DifyError } from '../model/dify/dify-error.js';
import { retryAfterMs } from '../model/retry-after.js';
import type { FailureCode } from './failure-catalogue.js';
import { WorkerFailure } from './worker-failure.js';

/** Used when a 429 names no wait: long enough to let a window roll, short enough to stay responsive. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 2000;

/** DingTalk's own catalogue gives a kind; each kind is one row of the worker's. */
const DINGTALK_FAILURE: Record<ErrorKind, FailureCode> = {
  rate_limited: 'dingtalk_throttled',
  retryable: 'dingtalk_transient',
  fatal: 'dingtalk_refused',
};

/**
 * The one place that decides what a failure means: whatever the model SDK, `fetch` or DingTalk threw becomes a
 * row of the failure catalogue (`failure-catalogue.ts`), and so a BotError of kind `retryable`, `rate_limited` or
 * `fatal`; a rate limit also says who waits (every worker for the model, only the job for DingTalk). A failure
 * already classified is kept as it is.
 */
export function classifyError(error: unknown): BotError {
  if (error instanceof BotError) return error;
  if (error instanceof DingTalkError) return classifyDingTalkError(error);
  if (error instanceof APIConnectionError) {
    return new WorkerFailure('model_unreachable', 'model API could not be reached or timed out', { cause: error });
  }
  if (error instanceof APIError) return classifyModelError(error);
  if (error instanceof DifyError) return classifyDifyError(error);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new WorkerFailure('timed_out', 'request timed out', { cause: error });
  }
  return new WorkerFailure('unexpected', error instanceof Error ? error.message : 'unknown failure', { cause: error });
}

function classifyModelError(error: APIError): BotError {
  const status = error.status ?? 0;
  // OpenAI answers an exhausted quota with 429 too; waiting will not refill it.
  if (status === 429 && error.code === 'insufficient_quota') {
    return new WorkerFailure('model_quota_exhausted', 'model API quota exhausted', { cause: error });
  }
  if (status === 429) {
    const wait = retryAfterMs(error.headers ?? undefined) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return new WorkerFailure('model_rate_limited', 'model API answered 429', { cause: error, retryAfterMs: wait });
  }
  const code = modelFailureByStatus(status);
  return new WorkerFailure(code, `model API answered ${status}`, { cause: error });
}

/** A Dify app's refusal reads like the model API's: its quota code, a 429's wait, and its status. */
function classifyDifyError(error: DifyError): BotError {
  if (error.code === 'unreachable') return new WorkerFailure('model_unreachable', 'the Dify app could not be reached', { cause: error });
  if (error.code === 'provider_quota_exceeded') {
    return new WorkerFailure('model_quota_exhausted', 'the Dify app\'s model quota is exhausted', { cause: error });
  }
  if (error.status === 429) {
    const wait = error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return new WorkerFailure('model_rate_limited', error.message, { cause: error, retryAfterMs: wait });
  }
  return new WorkerFailure(modelFailureByStatus(error.status), error.message, { cause: error });
}

function modelFailureByStatus(status: number): FailureCode {
  if (status === 408 || status === 409 || status >= 500 || status === 0) return 'model_unavailable';
  if (status === 401 || status === 403) return 'model_auth_refused';
  return 'model_bad_request';
}

/** DingTalk names no wait when it throttles: the job's own backoff decides (`queue-action.ts`). */
function classifyDingTalkError(error: DingTalkError): BotError {
  const row = DINGTALK_ERRORS.find((candidate) => candidate.matches(error.answer));
  const kind = row?.kind ?? 'retryable';
  const meaning = row ? `: ${row.meaning}` : '';
  return new WorkerFailure(DINGTALK_FAILURE[kind], `${error.message}${meaning}`, { cause: error });
}
