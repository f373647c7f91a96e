import { randomBytes } from 'node:crypto';
import type { Robot, RobotOptions } from './robots.js';

/** The robot code of every playground message: its dedupe, turns and memory live apart from DingTalk's robots. */
export const PLAYGROUND_ROBOT_CODE = 'playground';

/**
 * The robot the playground page talks to. Its AppSecret is drawn afresh by each gateway process
 * and never leaves it: the playground signs its messages with it and checks them like any
 * callback, and nobody outside the process can sign as this robot. It has no AppKey, so no
 * DingTalk API is ever called on its behalf.
 */
export function playgroundRobot(options: RobotOptions): Robot {
  return {
    robotCode: PLAYGROUND_ROBOT_CODE,
    appKey: undefined,
    appSecret: randomBytes(32).toString('base64url'),
    options: { ...options },
    source: 'playground',
  };
}
