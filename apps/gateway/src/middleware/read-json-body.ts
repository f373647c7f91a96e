import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { callbackError } from '../callback/callback-errors.js';

/**
 * Reads at most `limit` bytes and parses them as JSON into `ctx.state.body`.
 * A declared or actual size over the limit is 413 before the rest is read.
 */
export function readJsonBody(limit: number): Middleware {
  return async (ctx, next) => {
    const type = ctx.get('content-type');
    if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) throw callbackError('unsupported_media_type');
    let raw: Buffer;
    try {
      // A Buffer decoded once below is cheaper than raw-body's streaming utf8 decoder.
      raw = await getRawBody(ctx.req, { limit, length: ctx.get('content-length') || undefined });
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 413) throw callbackError('body_too_large', `limit is ${limit} bytes`);
      throw callbackError('malformed_json', 'body could not be read', error);
    }
    try {
      ctx.state.body = JSON.parse(raw.toString('utf8')) as unknown;
    } catch (error) {
      throw callbackError('malformed_json', undefined, error);
    }
    await next();
  };
}
