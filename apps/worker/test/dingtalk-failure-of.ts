import { expect } from 'vitest';
import type { BotError } from '@dtbot/shared';
import { DingTalkError } from '../src/dingtalk/dingtalk-error.js';
import { classifyError } from '../src/failures/classify-error.js';
import { WorkerFailure } from '../src/failures/worker-failure.js';

/**
 * A DingTalk call that must fail, and what its failure means as the worker settles it. The client throws what
 * DingTalk answered (or a refusal of our own, named by its catalogue code); anything else, even an error that
 * would classify as retryable, fails the test.
 */
export function dingTalkFailureOf(call: Promise<unknown>): Promise<BotError> {
  return call.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) =>
      error instanceof DingTalkError || error instanceof WorkerFailure
        ? classifyError(error)
        : expect.unreachable(`not a DingTalk failure: ${String(error)}`),
  );
}
