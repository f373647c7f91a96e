import type { DingTalkCallback, Robot } from '@dtbot/shared';
import { enqueueMessage, type EnqueueDeps, type EnqueueResult } from './enqueue-message.js';
import { readMessage } from './read-message.js';
import { refuseExpiredWebhook } from './webhook-expiry.js';

export interface AcceptDeps {
  enqueue: EnqueueDeps;
  /** Origins a `sessionWebhook` may point to; anything else is refused before it is stored. */
  allowedOrigins: readonly string[];
}

/** What the transport that carried a message vouches for. */
export interface Carrier {
  /**
   * Whether the body itself comes from DingTalk. A Stream frame does: it arrives on a connection DingTalk opened
   * for the robot's credentials. An HTTP callback does not: its signature covers only the timestamp header, so a
   * captured timestamp and sign carry any body for an hour. Such a body must not have an expired webhook.
   */
  bodyAuthenticated: boolean;
}

export interface Accepted extends EnqueueResult {
  message: DingTalkCallback;
}

/**
 * The one way a robot message gets in, whatever carried it (HTTP callback or Stream frame):
 * validate → webhook origin → number → store. Resolves once the message is stored (or was already
 * stored: a redelivery); otherwise throws a `Refusal` whose code the transport maps to its answer.
 * The transport has checked where the message came from and so which robot it belongs to: the one
 * whose AppSecret verified the callback's signature, or whose Stream connection received it. A Stream
 * frame with an expired webhook is taken: DingTalk itself delivered it late (after an outage, say), and
 * answering it through the OpenAPI is what the fallback is for.
 */
export async function acceptMessage(deps: AcceptDeps, json: string, robot: Robot, carrier: Carrier): Promise<Accepted> {
  const message = readMessage(json, deps.allowedOrigins);
  if (!carrier.bodyAuthenticated) refuseExpiredWebhook(message, Date.now());
  const result = await enqueueMessage(deps.enqueue, message, robot);
  return { ...result, message };
}
