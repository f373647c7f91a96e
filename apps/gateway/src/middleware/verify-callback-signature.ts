import type { Middleware } from 'koa';
import { verifySignature, type Robot } from '@dtbot/shared';
import { callbackError } from '../callback/callback-errors.js';
import type { CallbackState } from '../callback/callback-state.js';

/**
 * Nothing is trusted before its signature is: DingTalk signs `timestamp` with the AppSecret
 * (see docs/dingtalk-protocol.md). With several robots, the secret that matches names the robot
 * the message belongs to, whatever `robotCode` its payload claims or lacks.
 */
export function verifyCallbackSignature(robots: readonly Robot[]): Middleware<CallbackState> {
  const secrets = robots.map((robot) => robot.appSecret);
  return async (ctx, next) => {
    const { result, secretIndex } = verifySignature({
      timestamp: ctx.get('timestamp') || undefined,
      sign: ctx.get('sign') || undefined,
      secrets,
    });
    if (result === 'missing') throw callbackError('missing_signature');
    if (result === 'stale') throw callbackError('stale_timestamp');
    if (result === 'mismatch') throw callbackError('bad_signature');
    ctx.state.robot = robots[secretIndex];
    await next();
  };
}
