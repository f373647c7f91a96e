import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { callbackError } from '../callback/callback-errors.js';
import type { CallbackState } from '../callback/callback-state.js';

/**
 * Largest callback body accepted; larger gets 413. A robot message is a few KiB of JSON, a long text some tens of
 * KiB: 256 KiB leaves ample room for any of them and bounds what one request can make the gateway buffer.
 */
export const CALLBACK_BODY_MAX_BYTES = 256 * 1024;

/**
 * Reads at most `limit` bytes of a JSON body as text; the caller parses it. A declared or actual size over the
 * limit is 413 before the rest is read.
 */
export async function readJsonBody(ctx: Pick<Context, 'get' | 'req'>, limit: number): Promise<string> {
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
  return raw.toString('utf8');
}

/** `readJsonBody` as a middleware: the body goes to `ctx.state.body`. */
export function readBody(limit: number): Middleware<CallbackState> {
  return async (ctx, next) => {
    ctx.state.body = await readJsonBody(ctx, limit);
    await next();
  };
}
