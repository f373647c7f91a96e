/**
 * The three kinds every failure is reduced to, decided once (the worker's failure catalogue, `failures/`):
 * - `retryable`: try again with exponential backoff (network, timeout, 5xx, an unknown DingTalk errcode).
 * - `rate_limited`: the upstream asked us to wait; wait without spending an attempt.
 * - `fatal`: retrying cannot help (400/401/403/404 from the model, invalid data); fail now.
 */
export type ErrorKind = 'retryable' | 'rate_limited' | 'fatal';

/**
 * Who waits out a rate limit:
 * - `queue`: every worker stops taking jobs, because the limit is shared by all of them (the model's);
 * - `job`: only this job waits, keeping its turn, because the limit is one conversation's or one
 *   recipient's (DingTalk throttling a chat) and the other conversations may go on.
 */
export type WaitScope = 'queue' | 'job';

export interface BotErrorOptions {
  cause?: unknown;
  /** For `rate_limited`: how long the upstream asked us to wait, when it said. */
  retryAfterMs?: number;
  /** For `rate_limited`: who waits; `queue` unless said otherwise. */
  waitScope?: WaitScope;
  /**
   * For `retryable`: the provider that failed is now out of service and another one serves the
   * next try, so the job is tried again at once instead of after its backoff.
   */
  retryNow?: boolean;
}

export class BotError extends Error {
  override readonly name = 'BotError';
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly waitScope: WaitScope;
  readonly retryNow: boolean;

  constructor(kind: ErrorKind, message: string, options: BotErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
    this.waitScope = options.waitScope ?? 'queue';
    this.retryNow = options.retryNow ?? false;
  }
}

export function isBotError(error: unknown): error is BotError {
  return error instanceof BotError;
}
