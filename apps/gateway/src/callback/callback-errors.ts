import { REFUSALS, type Refusal, type RefusalCode } from '../accept/refusal.js';
import { HttpError } from '../http-error.js';

interface HttpAnswer {
  status: number;
  message: string;
}

/**
 * Every answer a bad callback can get, in one place: the HTTP checks' own codes, and a status for
 * each refusal of the accept path. Tests assert each row; DingTalk (or anyone else) gets the code
 * and a sentence, never a stack.
 */
export const CALLBACK_ERRORS = {
  missing_signature: { status: 401, message: 'timestamp and sign headers are required' },
  stale_timestamp: { status: 401, message: 'timestamp is more than an hour away from now' },
  bad_signature: { status: 401, message: 'signature does not match' },
  unsupported_media_type: { status: 415, message: 'body must be application/json' },
  body_too_large: { status: 413, message: 'body is too large' },
  malformed_json: { status: 400, message: REFUSALS.malformed_json },
  invalid_payload: { status: 400, message: REFUSALS.invalid_payload },
  webhook_not_allowed: { status: 403, message: REFUSALS.webhook_not_allowed },
  // 403, not 400: the body is well formed, but what it asks (an answer to a chat it can no longer reach) is refused.
  webhook_expired: { status: 403, message: REFUSALS.webhook_expired },
  robot_code_taken: { status: 403, message: REFUSALS.robot_code_taken },
  queue_unavailable: { status: 503, message: REFUSALS.queue_unavailable },
  // A card callback (POST /dingtalk/card-callback), after the same signature check as a robot message.
  invalid_card_callback: { status: 400, message: 'body is not a card action callback' },
  card_callback_unavailable: { status: 503, message: 'the press could not be recorded now; send it again' },
} as const satisfies Record<RefusalCode, HttpAnswer> & Record<string, HttpAnswer>;

export type CallbackErrorCode = keyof typeof CALLBACK_ERRORS;

export function callbackError(code: CallbackErrorCode, detail?: string, cause?: unknown): HttpError {
  const { status, message } = CALLBACK_ERRORS[code];
  return new HttpError(status, code, detail ? `${message}: ${detail}` : message, { cause });
}

/** The accept path's refusal as the HTTP answer its code maps to. */
export function refusalAsHttpError(refusal: Refusal): HttpError {
  return callbackError(refusal.code, refusal.detail, refusal);
}
