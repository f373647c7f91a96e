import type { Context } from 'koa';
import { verifySignature, type Robot } from '@dtbot/shared';
import { callbackError } from '../callback/callback-errors.js';

/**
 * Nothing is trusted before its signature is: DingTalk signs `timestamp` with the AppSecret
 * (see docs/dingtalk-protocol.md). With several robots, the secret that matches names the robot
 * the message belongs to, whatever `robotCode` its payload claims or lacks. Returns a check that
 * gives a request's robot or throws its 401; a plain function, not a middleware, so the callback
 * route runs as one.
 */
export function verifyCallbackSignature(robots: readonly Robot[]): (ctx: Pick<Context, 'get'>) => Robot {
  const secrets = robots.map((robot) => robot.appSecret);
  return (ctx) => {
    const { result, secretIndex } = verifySignature({
      timestamp: ctx.get('timestamp') || undefined,
      sign: ctx.get('sign') || undefined,
      secrets,
    });
    if (result === 'missing') throw callbackError('missing_signature');
    if (result === 'stale') throw callbackError('stale_timestamp');
    if (result === 'mismatch') throw callbackError('bad_signature');
    return robots[secretIndex]!;
  };
}
