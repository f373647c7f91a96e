/**
 * Which of DingTalk's doors was called: they report failures differently. `legacy_token` and
 * `media` are the legacy `oapi` endpoints (`GET /gettoken`, `POST /media/upload`), which answer
 * business errors as HTTP 200 with a non-zero `errcode`, as a sessionWebhook does. `download` is the
 * storage behind the short-lived URL a file a user sent is fetched from. `card` is the new OpenAPI's
 * card API, told apart from robot sends (`openapi`) in metrics only.
 */
export type DingTalkApi = 'webhook' | 'openapi' | 'token' | 'legacy_token' | 'media' | 'download' | 'card';

/**
 * What DingTalk answered to one call, as far as a failure depends on it. A sessionWebhook reports
 * business errors as HTTP 200 with a non-zero `errcode`; the new OpenAPI as an HTTP status with a
 * string `code`, or as a 200 that lists recipients it did not reach.
 */
export interface DingTalkAnswer {
  api: DingTalkApi;
  /** HTTP status; absent when no answer came (connection refused, reset, timeout). */
  status?: number;
  /** Business error of a webhook or a legacy endpoint (`errcode` ≠ 0). */
  errcode?: number;
  /** New-API error code, e.g. `Forbidden.AccessDenied.QpsLimitForApi`. */
  code?: string;
  /** A 1:1 send's recipients that were not reached, by DingTalk's reason. */
  flowControlled?: number;
  invalidRecipients?: number;
  filteredRecipients?: number;
  /** The answer was not what the API promises (not JSON, no token in a token answer). */
  malformed?: boolean;
  /** The answer was a redirect (HTTP 3xx), which is never followed. */
  redirected?: boolean;
}

/**
 * A failed answer in a few words for a metric label, from a bounded set: `errcode_<n>` (webhook business errors),
 * `unreached` (a 1:1 send that listed recipients it did not reach), `malformed`, `http_<status>`, or `unreachable`
 * (no answer at all).
 */
export function answerResult(answer: DingTalkAnswer): string {
  if (answer.status === undefined) return 'unreachable';
  if (answer.errcode !== undefined) return `errcode_${answer.errcode}`;
  if ((answer.flowControlled ?? 0) + (answer.invalidRecipients ?? 0) + (answer.filteredRecipients ?? 0) > 0) return 'unreached';
  if (answer.malformed) return 'malformed';
  return `http_${answer.status}`;
}

/**
 * A DingTalk call that did not deliver, as the client throws it: what DingTalk answered, not what it means.
 * `classifyError` turns it into a row of the failure catalogue with the table in `dingtalk-error-codes.ts`.
 */
export class DingTalkError extends Error {
  override readonly name = 'DingTalkError';

  constructor(
    readonly answer: DingTalkAnswer,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
