import { BotError } from '@dtbot/shared';
import { FAILURES, type FailureCode, type FailureRow } from './failure-catalogue.js';

/** The facts of a failure that its row cannot know: what caused it, and how long the upstream asked to wait. */
export interface FailureFacts {
  cause?: unknown;
  retryAfterMs?: number;
}

/**
 * A failure named by its catalogue code. Its kind, who waits and whether it is tried again at once come from the
 * row, never from where it was thrown: a step says what happened, the catalogue what it means.
 */
export class WorkerFailure extends BotError {
  constructor(
    readonly code: FailureCode,
    message: string,
    facts: FailureFacts = {},
  ) {
    const row: FailureRow = FAILURES[code];
    super(row.kind, message, { cause: facts.cause, retryAfterMs: facts.retryAfterMs, waitScope: row.waitScope, retryNow: row.retryNow });
  }
}

/** The catalogue code of a classified failure; a bare `BotError` (built outside the catalogue) counts as `unexpected`. */
export function failureCodeOf(failure: BotError): FailureCode {
  return failure instanceof WorkerFailure ? failure.code : 'unexpected';
}
