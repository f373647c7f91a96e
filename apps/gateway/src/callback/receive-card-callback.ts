import type { Middleware } from 'koa';
import type { Robot } from '@dtbot/shared';
import { readJsonBody } from '../middleware/read-body.js';
import { verifyCallbackSignature } from '../middleware/verify-callback-signature.js';
import { handleCardCallback, InvalidCardCallback, type CardPressDeps } from '../cards/card-presses.js';
import { callbackError } from './callback-errors.js';
import type { CallbackState } from './callback-state.js';

/**
 * A press of a card's button posted by DingTalk (HTTP mode), once its signature named the robot: 200 once acted on
 * (the stop published, the vote recorded, or nothing to do), 400 for a body that is not a card callback, 503 when
 * Redis could not take it (DingTalk may post it again).
 */
export function receiveCardCallback(deps: CardPressDeps, robots: readonly Robot[], maxBodyBytes: number): Middleware<CallbackState> {
  // The same signature check as a robot message, before a byte of body is read: it names the robot whose answers
  // the press may act on.
  const signedRobot = verifyCallbackSignature(robots);
  return async (ctx) => {
    const robot = signedRobot(ctx);
    const body = await readJsonBody(ctx, maxBodyBytes);
    let outcome;
    try {
      outcome = await handleCardCallback(deps, robot, body);
    } catch (error) {
      if (error instanceof InvalidCardCallback) throw callbackError('invalid_card_callback', error.message, error);
      throw callbackError('card_callback_unavailable', undefined, error);
    }
    ctx.status = 200;
    ctx.body = { outcome };
  };
}
