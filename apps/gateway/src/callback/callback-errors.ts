import { HttpError } from '../http-error.js';

/**
 * Every answer a bad callback can get, in one place. Tests assert each row; DingTalk (or anyone
 * else) gets the code and a sentence, never a stack.
 */
export const CALLBACK_ERRORS = {
  missing_signature: { status: 401, message: 'timestamp and sign headers are required' },
  stale_timestamp: { status: 401, message: 'timestamp is more than an hour away from now' },
  bad_signature: { status: 401, message: 'signature does not match' },
  unsupported_media_type: { status: 415, message: 'body must be application/json' },
  body_too_large: { status: 413, message: 'body is too large' },
  malformed_json: { status: 400, message: 'body is not valid JSON' },
  invalid_payload: { status: 400, message: 'body is not a DingTalk robot message' },
  webhook_not_allowed: { status: 403, message: 'sessionWebhook does not point to an allowed DingTalk origin' },
  queue_unavailable: { status: 503, message: 'message could not be stored, try again' },
} as const;

export type CallbackErrorCode = keyof typeof CALLBACK_ERRORS;

export function callbackError(code: CallbackErrorCode, detail?: string, cause?: unknown): HttpError {
  const { status, message } = CALLBACK_ERRORS[code];
  return new HttpError(status, code, detail ? `${message}: ${detail}` : message, { cause });
}
