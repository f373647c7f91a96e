import type { Middleware } from 'koa';
import type { Logger } from '@dtbot/shared';
import { CALLBACK_PATHS, CARD_CALLBACK_PATH } from '../callback/callback-paths.js';
import { HttpError } from '../http-error.js';
import type { GatewayMetrics } from '../metrics.js';

/** Turns every thrown error into one JSON answer (only 4xx messages reach the caller), and counts it. */
export function handleErrors(logger: Logger, metrics: GatewayMetrics): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const known = error instanceof HttpError ? error : undefined;
      const status = known?.status ?? 500;
      const code = known?.code ?? 'internal_error';
      ctx.status = status;
      ctx.body = known?.expose ? { error: code, message: known.message } : { error: code };
      if (CALLBACK_PATHS.includes(ctx.path)) metrics.callbacks.inc({ result: code });
      if (ctx.path === CARD_CALLBACK_PATH) metrics.cardCallbacks.inc({ outcome: code });
      const line = { code, status, path: ctx.path, msgId: ctx.state.msgId, err: known ? undefined : error };
      if (status >= 500) logger.error({ ...line, err: error }, 'callback refused');
      else logger.warn(line, 'callback rejected');
    }
  };
}
