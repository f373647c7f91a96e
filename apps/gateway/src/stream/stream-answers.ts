import type { RefusalCode } from '../accept/refusal.js';

/** ACKed with this code, so DingTalk does not push again what can never be stored; or not ACKed at all. */
export type StreamAnswer = { ack: true; code: number } | { ack: false };

/**
 * How the Stream ingress answers each refusal of the accept path. A message that can never be stored
 * (malformed, not a robot message, a foreign reply URL) is ACKed with a non-200 code: a resend
 * would fail again, forever. A message that could not be stored *now* is not ACKed, so DingTalk
 * pushes it again (to this or another gateway).
 */
export const STREAM_ANSWERS = {
  malformed_json: { ack: true, code: 400 },
  invalid_payload: { ack: true, code: 400 },
  webhook_not_allowed: { ack: true, code: 403 },
  // Never raised for a Stream frame, whose connection vouches for its body (`acceptMessage`); a resend could not help.
  webhook_expired: { ack: true, code: 403 },
  // Never raised for a Stream frame either: a Stream robot always has its AppKey, and so its code.
  robot_code_taken: { ack: true, code: 403 },
  queue_unavailable: { ack: false },
} as const satisfies Record<RefusalCode, StreamAnswer>;
