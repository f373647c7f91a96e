import type { Middleware } from 'koa';

/**
 * The changes an operator may make from the dashboard (paths below its API, method included): retry or remove
 * jobs, promote delayed ones, pause and resume. Everything else Bull Board offers is refused here, whatever the
 * UI shows: adding or editing jobs would skip the gateway's checks, BullMQ's own rate limit and concurrency would
 * fight the model rate limiter, and emptying or obliterating the queue would lose messages DingTalk was told
 * were stored.
 */
const ALLOWED = [
  /^PUT \/api\/queues\/(pause|resume)$/,
  /^PUT \/api\/queues\/[^/]+\/(pause|resume|promote)$/,
  /^PUT \/api\/queues\/[^/]+\/retry\/(failed|completed)$/,
  /^PUT \/api\/queues\/[^/]+\/clean\/(failed|completed)$/,
  /^PUT \/api\/queues\/[^/]+\/[^/]+\/(retry|clean|promote)$/,
];

/** Reads pass; a change not in the list above gets 403 and never reaches BullMQ. `apiPath` is below the base path. */
export function onlyAllowedActions(basePath: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    const apiPath = ctx.path.slice(basePath.length);
    if (ALLOWED.some((rule) => rule.test(`${ctx.method} ${apiPath}`))) return next();
    ctx.status = 403;
    ctx.body = { error: 'action_not_allowed', message: 'the dashboard allows retrying, removing and promoting jobs, and pausing queues' };
  };
}
