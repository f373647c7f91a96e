/**
 * The three kinds every failure is reduced to, decided once (the worker's `classify-error.ts`):
 * - `retryable`: try again with exponential backoff (network, timeout, 5xx, DingTalk errcode).
 * - `rate_limited`: the upstream asked us to wait; pause for `retryAfterMs` without spending an attempt.
 * - `fatal`: retrying cannot help (400/401/403/404 from the model, invalid data); fail now.
 */
export type ErrorKind = 'retryable' | 'rate_limited' | 'fatal';

export interface BotErrorOptions {
  cause?: unknown;
  /** For `rate_limited`: how long the upstream asked us to wait. */
  retryAfterMs?: number;
}

export class BotError extends Error {
  override readonly name = 'BotError';
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ErrorKind, message: string, options: BotErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isBotError(error: unknown): error is BotError {
  return error instanceof BotError;
}
