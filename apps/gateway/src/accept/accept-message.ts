import type { DingTalkCallback, Robot } from '@dtbot/shared';
import { enqueueMessage, type EnqueueDeps, type EnqueueResult } from './enqueue-message.js';
import { readMessage } from './read-message.js';

export interface AcceptDeps {
  enqueue: EnqueueDeps;
  /** Origins a `sessionWebhook` may point to; anything else is refused before it is stored. */
  allowedOrigins: readonly string[];
}

export interface Accepted extends EnqueueResult {
  message: DingTalkCallback;
}

/**
 * The one way a robot message gets in, whatever carried it (HTTP callback or Stream frame):
 * validate → webhook origin → number → store. Resolves once the message is stored (or was already
 * stored: a redelivery); otherwise throws a `Refusal` whose code the transport maps to its answer.
 * The transport has checked where the message came from and so which robot it belongs to: the one
 * whose AppSecret verified the callback's signature, or whose Stream connection received it.
 */
export async function acceptMessage(deps: AcceptDeps, json: string, robot: Robot): Promise<Accepted> {
  const message = readMessage(json, deps.allowedOrigins);
  const result = await enqueueMessage(deps.enqueue, message, robot);
  return { ...result, message };
}
