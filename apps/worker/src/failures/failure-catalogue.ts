import type { ErrorKind, WaitScope } from '@dtbot/shared';
import type { QueueAction } from '../queue-action.js';

/**
 * One failure the worker can meet. `action` is what the queue does on a fresh attempt (`queueActionFor`: a
 * `retryable` failure on the last attempt, or a job throttled too often, ends in `give_up` too); `reply` is what
 * the user gets when the failure is final: the apology with the job id (`apology`), or nothing when there is no
 * conversation to answer. The row's code is its metric label (`dtbot_worker_failures_total{failure}`).
 */
export interface FailureRow {
  kind: ErrorKind;
  /** For `rate_limited`: who waits. DingTalk's rows say `job` for every kind, as its answers always did. */
  waitScope?: WaitScope;
  /** For `retryable`: another provider serves the next try, so it is tried again at once. */
  retryNow?: true;
  action: QueueAction['action'];
  reply: 'apology' | 'none';
  /** What happened, as `docs/failures.md` lists it. */
  meaning: string;
}

/**
 * Every failure of the worker, in one place. Steps and clients throw raw errors (the model SDK's, DingTalk's
 * `DingTalkError`) or a `WorkerFailure` naming a code here; `classifyError` picks the row, and the kind, the wait
 * and the queue action follow from it. `docs/failures.md` lists every row; a test keeps the two in step and
 * checks each row's action against `queueActionFor`.
 */
export const FAILURES = {
  model_rate_limited: {
    kind: 'rate_limited',
    waitScope: 'queue',
    action: 'pause_queue',
    reply: 'apology',
    meaning: 'the model API answered 429: every worker waits as long as it asked (2 s when it named no wait)',
  },
  model_limit_reached: {
    kind: 'rate_limited',
    waitScope: 'queue',
    action: 'pause_queue',
    reply: 'apology',
    meaning: 'our own rate limit of the provider has no room: every worker waits until the limiter says',
  },
  model_quota_exhausted: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'the model API answered 429 insufficient_quota: waiting will not refill it',
  },
  model_unavailable: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'the model API answered 408, 409, 5xx or no status',
  },
  model_unreachable: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'the model API could not be reached, or did not answer in time',
  },
  model_auth_refused: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'the model API answered 401 or 403: it refuses the key',
  },
  model_bad_request: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'the model API answered any other status: a bad request (400), a question over the context window, an unknown model (404)',
  },
  model_too_slow: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'a streamed answer did not end within the model timeout',
  },
  model_empty_answer: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'the model answered nothing, or reasoning only',
  },
  model_no_image: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'the images API answered without a picture',
  },
  no_image_model: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'a picture was asked for and no image model is configured',
  },
  no_provider: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'no configured model provider serves what the request needs',
  },
  providers_out_of_service: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'every provider that could serve the request has its circuit open',
  },
  provider_failed_mid_answer: {
    kind: 'retryable',
    retryNow: true,
    action: 'delay_job',
    reply: 'apology',
    meaning: 'a provider went out of service after part of its answer was shown: the job is tried again at once',
  },
  dingtalk_throttled: {
    kind: 'rate_limited',
    waitScope: 'job',
    action: 'delay_job',
    reply: 'apology',
    meaning: 'DingTalk throttled the conversation, the recipient or the app (a `rate_limited` row of docs/dingtalk-errors.md)',
  },
  dingtalk_transient: {
    kind: 'retryable',
    waitScope: 'job',
    action: 'retry',
    reply: 'apology',
    meaning: 'DingTalk did not answer, failed, or its session expired (a `retryable` row of docs/dingtalk-errors.md)',
  },
  dingtalk_refused: {
    kind: 'fatal',
    waitScope: 'job',
    action: 'give_up',
    reply: 'apology',
    meaning: 'DingTalk refused for good, or redirected (a `fatal` row of docs/dingtalk-errors.md)',
  },
  card_budget_exhausted: {
    kind: 'rate_limited',
    waitScope: 'job',
    action: 'delay_job',
    reply: 'apology',
    meaning: 'a card call that must happen found no room in the app\'s card budget within its longest wait',
  },
  origin_not_allowed: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'a call or a download would go to an origin that is not allowed: it is not made',
  },
  playground_session_gone: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'a playground answer\'s session has ended (closed, or idle past its life): nobody can see it, and nothing is stored',
  },
  media_upload_unconfigured: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'a picture must be uploaded and no legacy OpenAPI base is configured',
  },
  no_app_credentials: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'the OpenAPI is needed (to send, upload or download) and the robot has no AppKey/AppSecret',
  },
  file_reader_failed: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'the thread that reads a file sent could not start or ended without an answer, for a reason other than the file',
  },
  no_staff_id: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'a private answer must go by the OpenAPI and the sender has no staff id',
  },
  undeliverable: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'no route can deliver: the session webhook expired and the OpenAPI cannot be used',
  },
  stalled_too_often: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'apology',
    meaning: 'the job\'s workers stalled on it twice: it is not run again',
  },
  invalid_job_data: {
    kind: 'fatal',
    action: 'give_up',
    reply: 'none',
    meaning: 'the job does not hold a valid message: there is no conversation to answer',
  },
  timed_out: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'a request was aborted at its timeout',
  },
  unexpected: {
    kind: 'retryable',
    action: 'retry',
    reply: 'apology',
    meaning: 'anything else: Redis unavailable, a bug',
  },
} as const satisfies Record<string, FailureRow>;

export type FailureCode = keyof typeof FAILURES;

export const FAILURE_CODES = Object.keys(FAILURES) as FailureCode[];
