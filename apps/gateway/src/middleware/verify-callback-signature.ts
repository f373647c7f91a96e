import type { Middleware } from 'koa';
import { verifySignature } from '@dtbot/shared';
import { callbackError } from '../callback/callback-errors.js';
import type { CallbackState } from '../callback/callback-state.js';

/**
 * Nothing is trusted before its signature is: DingTalk signs `timestamp` with the AppSecret
 * (protocol reference §1.2). With several robots, the matching secret names the robot.
 */
export function verifyCallbackSignature(secrets: readonly string[]): Middleware<CallbackState> {
  return async (ctx, next) => {
    const { result, secretIndex } = verifySignature({
      timestamp: ctx.get('timestamp') || undefined,
      sign: ctx.get('sign') || undefined,
      secrets,
    });
    if (result === 'missing') throw callbackError('missing_signature');
    if (result === 'stale') throw callbackError('stale_timestamp');
    if (result === 'mismatch') throw callbackError('bad_signature');
    ctx.state.secretIndex = secretIndex;
    await next();
  };
}
