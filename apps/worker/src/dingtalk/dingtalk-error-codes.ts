import type { ErrorKind } from '@dtbot/shared';
import type { DingTalkAnswer } from './dingtalk-error.js';

/**
 * One row of what a DingTalk failure means. The first row that matches decides, so specific rows
 * come before catch-alls. Every `rate_limited` row waits per job: DingTalk throttles one
 * conversation or one recipient, not the model, so the other chats go on.
 */
export interface DingTalkErrorRow {
  /** What DingTalk answered, as `docs/dingtalk-errors.md` lists it. */
  answer: string;
  kind: ErrorKind;
  meaning: string;
  matches: (answer: DingTalkAnswer) => boolean;
}

const webhookErrcode =
  (...codes: number[]) =>
  (answer: DingTalkAnswer) =>
    answer.api === 'webhook' && answer.errcode !== undefined && codes.includes(answer.errcode);

const isLegacy = (answer: DingTalkAnswer) => answer.api === 'legacy_token' || answer.api === 'media';

const legacyErrcode =
  (...codes: number[]) =>
  (answer: DingTalkAnswer) =>
    isLegacy(answer) && answer.errcode !== undefined && codes.includes(answer.errcode);

const NEW_API: ReadonlySet<DingTalkAnswer['api']> = new Set(['openapi', 'token', 'card']);

const newApi = (answer: DingTalkAnswer) => NEW_API.has(answer.api) && answer.status !== undefined;

/** The catalogue; `docs/dingtalk-errors.md` is kept in step with it by a test. */
export const DINGTALK_ERRORS: readonly DingTalkErrorRow[] = [
  {
    answer: 'no answer',
    kind: 'retryable',
    meaning: 'connection refused or reset, or no answer within the timeout',
    matches: (answer) => answer.status === undefined,
  },
  {
    answer: 'any HTTP 3xx (redirect)',
    kind: 'fatal',
    meaning: 'not followed: DingTalk answers where it is asked, and a redirect would carry the request elsewhere',
    matches: (answer) => answer.redirected === true,
  },
  // sessionWebhook: HTTP 200 with a non-zero errcode.
  {
    answer: 'webhook errcode 130101',
    kind: 'rate_limited',
    meaning: 'sending too fast (about 20 messages a minute per conversation)',
    matches: webhookErrcode(130101),
  },
  {
    answer: 'webhook errcode 410100',
    kind: 'rate_limited',
    meaning: 'sending too fast (the newer code)',
    matches: webhookErrcode(410100),
  },
  {
    answer: 'webhook errcode 300001, 400101',
    kind: 'retryable',
    meaning: 'the session (its token) no longer exists; from the expiry time on the OpenAPI takes over',
    matches: webhookErrcode(300001, 400101),
  },
  {
    answer: 'webhook errcode 400013, 400102, 400106',
    kind: 'fatal',
    meaning: 'group dissolved, robot disabled, or robot not in the group',
    matches: webhookErrcode(400013, 400102, 400106),
  },
  {
    answer: 'webhook errcode 430101, 430102, 430103, 430104',
    kind: 'fatal',
    meaning: 'content refused by DingTalk\'s content security',
    matches: webhookErrcode(430101, 430102, 430103, 430104),
  },
  {
    answer: 'webhook errcode 400105, 40035, 43004, 310000',
    kind: 'fatal',
    meaning: 'message refused as sent (type, missing field or size, content type, security setting)',
    matches: webhookErrcode(400105, 40035, 43004, 310000),
  },
  {
    answer: 'webhook any other errcode',
    kind: 'retryable',
    meaning: 'a business error this catalogue does not know',
    matches: (answer) => answer.api === 'webhook' && answer.errcode !== undefined,
  },
  {
    answer: 'webhook HTTP 429',
    kind: 'rate_limited',
    meaning: 'throttled',
    matches: (answer) => answer.api === 'webhook' && answer.status === 429,
  },
  {
    answer: 'webhook HTTP error or not JSON',
    kind: 'retryable',
    meaning: 'some stacks answer an expired session with HTTP 500; transient otherwise',
    matches: (answer) => answer.api === 'webhook',
  },
  // Legacy oapi endpoints (media upload and its token): HTTP 200 with a non-zero errcode.
  {
    answer: 'legacy errcode 40014, 40001, 42001',
    kind: 'retryable',
    meaning: 'access_token invalid or expired: it is forgotten and a new one fetched',
    matches: legacyErrcode(40014, 40001, 42001),
  },
  {
    answer: 'legacy errcode 90002, 90005, 90006, 90018',
    kind: 'rate_limited',
    meaning: 'the app or the organisation called this API too often',
    matches: legacyErrcode(90002, 90005, 90006, 90018),
  },
  {
    answer: 'legacy token, any other errcode',
    kind: 'fatal',
    meaning: 'wrong AppKey or AppSecret (40089), or the app may not use the API',
    matches: (answer) => answer.api === 'legacy_token' && answer.errcode !== undefined,
  },
  {
    answer: 'media upload, any other errcode',
    kind: 'fatal',
    meaning: 'the file was refused as sent (type, size, empty)',
    matches: (answer) => answer.api === 'media' && answer.errcode !== undefined,
  },
  {
    answer: 'legacy HTTP error or not JSON',
    kind: 'retryable',
    meaning: 'transient',
    matches: isLegacy,
  },
  // The storage a file a user sent is downloaded from, by the URL DingTalk handed out for its code.
  {
    answer: 'file download HTTP error',
    kind: 'retryable',
    meaning: 'the short-lived URL expired or the storage failed: the retry asks DingTalk for a new URL',
    matches: (answer) => answer.api === 'download',
  },
  // New OpenAPI (robot sends, access tokens, AI cards): an HTTP status with a string `code`.
  {
    answer: 'OpenAPI HTTP 403 with a code containing QpsLimit',
    kind: 'rate_limited',
    meaning: 'the app called this API too often this second',
    matches: (answer) => newApi(answer) && answer.status === 403 && /QpsLimit/i.test(answer.code ?? ''),
  },
  {
    answer: 'OpenAPI HTTP 429',
    kind: 'rate_limited',
    meaning: 'throttled',
    matches: (answer) => newApi(answer) && answer.status === 429,
  },
  {
    answer: 'OpenAPI 200 with flowControlledStaffIdList',
    kind: 'rate_limited',
    meaning: 'the recipient got too many robot messages for now',
    matches: (answer) => newApi(answer) && (answer.flowControlled ?? 0) > 0,
  },
  {
    answer: 'OpenAPI 200 with invalidStaffIdList or filteredStaffIdList',
    kind: 'fatal',
    meaning: 'the recipient is unknown to DingTalk, or DingTalk filtered the message out',
    matches: (answer) => newApi(answer) && ((answer.invalidRecipients ?? 0) > 0 || (answer.filteredRecipients ?? 0) > 0),
  },
  {
    answer: 'OpenAPI HTTP 401',
    kind: 'retryable',
    meaning: 'access token refused (expired early): it is forgotten and a new one fetched',
    matches: (answer) => newApi(answer) && answer.status === 401,
  },
  {
    answer: 'OpenAPI HTTP 408 or 5xx, or a 2xx that is not the promised answer',
    kind: 'retryable',
    meaning: 'transient',
    matches: (answer) => {
      const status = answer.status ?? 0;
      return newApi(answer) && (status === 408 || status >= 500 || status < 300);
    },
  },
  {
    answer: 'OpenAPI any other HTTP 4xx',
    kind: 'fatal',
    meaning: 'invalidParameter.*, wrong AppKey/AppSecret, no permission, unknown robot or conversation',
    matches: newApi,
  },
];
