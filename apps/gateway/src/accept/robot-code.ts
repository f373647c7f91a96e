import type { DingTalkCallback, Robot } from '@dtbot/shared';
import { Refusal } from './refusal.js';

/**
 * The code a message is stored under: its robot's (the one the transport verified), or, for a robot known only
 * by its AppSecret, the code the message carries. That code may not be another robot's of this deployment
 * (`robotCodesOf`): the signature proves only which secret signed, so a body verified for robot A that claimed
 * robot B's code would be answered with B's credentials, counted against B's budget and shown under B's name.
 * Refused rather than rewritten: A has no code of its own to rewrite it to.
 */
export function robotCodeFor(robot: Robot, message: Pick<DingTalkCallback, 'msgId' | 'robotCode'>, deploymentCodes: ReadonlySet<string>): string {
  if (robot.robotCode !== undefined) return robot.robotCode;
  const claimed = message.robotCode ?? '';
  if (deploymentCodes.has(claimed)) {
    throw new Refusal('robot_code_taken', `${claimed} is another robot's; the signing robot has no AppKey`, { msgId: message.msgId });
  }
  return claimed;
}
