import { PLAYGROUND_ROBOT_CODE } from './playground-robot.js';
import type { Robot } from './robots.js';

/**
 * Every robot code this deployment answers as: each configured robot's AppKey, and the playground's. A robot
 * known only by its AppSecret takes its code from the message, and may not take one of these: a body its secret
 * verified would otherwise borrow another robot's credentials, budget and name.
 */
export function robotCodesOf(robots: readonly Robot[]): ReadonlySet<string> {
  return new Set([PLAYGROUND_ROBOT_CODE, ...robots.flatMap((robot) => (robot.robotCode === undefined ? [] : [robot.robotCode]))]);
}
