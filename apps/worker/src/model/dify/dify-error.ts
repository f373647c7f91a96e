/**
 * Dify refused or broke off an answer: the HTTP status it answered (or the `status` of an `error`
 * event in the stream; 0 when there was none, such as a stream cut short) and its error code.
 * Dify's own error text is never kept: it is not for users, and may quote the question back.
 */
export class DifyError extends Error {
  /** How long a 429 asked to wait, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly status: number,
    readonly code: string | undefined,
    facts: { retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(`Dify answered ${status || 'without a status'}${code ? ` (${code.slice(0, 64)})` : ''}`, { cause: facts.cause });
    this.retryAfterMs = facts.retryAfterMs;
    this.name = 'DifyError';
  }

  /** The app could not be reached, or the connection broke off: nothing Dify said. */
  static unreachable(cause: unknown): DifyError {
    return new DifyError(0, 'unreachable', { cause });
  }

  /** Dify no longer knows the conversation the request continued (removed, expired, or another user's). */
  get conversationUnknown(): boolean {
    return this.status === 404;
  }
}
