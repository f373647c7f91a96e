import type { DingTalkCallback } from '@dtbot/shared';
import { Refusal } from './refusal.js';

/**
 * How long after its `sessionWebhookExpiredTime` a message may still arrive and be taken: the most that
 * DingTalk's clock and ours may disagree by. NTP keeps servers within a second of each other; a minute also
 * covers a host whose clock drifts between syncs, and is small beside the webhook's own life (90 minutes).
 */
export const WEBHOOK_EXPIRY_SKEW_MS = 60_000;

/**
 * Refuses a message whose reply URL had already expired when it arrived (beyond the clock skew). A genuine
 * HTTP callback arrives seconds after DingTalk made its webhook; one that arrives with an expired webhook is a
 * forgery or a replay (the signature covers only the timestamp header, not the body), and would be answered
 * through the OpenAPI, in the robot's name, to whichever conversation or staff id the body names. A webhook
 * that expires after arrival (a long queue) still falls back to the OpenAPI in the worker.
 */
export function refuseExpiredWebhook(message: Pick<DingTalkCallback, 'msgId' | 'sessionWebhookExpiredTime'>, now: number): void {
  const late = now - message.sessionWebhookExpiredTime;
  if (late <= WEBHOOK_EXPIRY_SKEW_MS) return;
  throw new Refusal('webhook_expired', `it expired ${Math.round(late / 1000)} s before the message arrived`, { msgId: message.msgId });
}
