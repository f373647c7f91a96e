/**
 * Every reason the accept path can refuse a message, with the sentence that explains it. The
 * catalogue knows nothing of transports: each ingress maps a code to its own answer (the HTTP
 * route to a status, in `callback/callback-errors.ts`).
 */
export const REFUSALS = {
  malformed_json: 'body is not valid JSON',
  invalid_payload: 'body is not a DingTalk robot message',
  webhook_not_allowed: 'sessionWebhook does not point to an allowed DingTalk origin',
  webhook_expired: 'sessionWebhookExpiredTime had passed when the message arrived',
  robot_code_taken: 'robotCode names another robot of this deployment than the one whose secret signed the message',
  queue_unavailable: 'message could not be stored, try again',
} as const;

export type RefusalCode = keyof typeof REFUSALS;

/** A message the accept path did not store, and why. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  /** Set once the message was readable, so the refusal can be logged with it. */
  readonly msgId: string | undefined;

  constructor(
    readonly code: RefusalCode,
    readonly detail?: string,
    options: { cause?: unknown; msgId?: string } = {},
  ) {
    super(detail ? `${REFUSALS[code]}: ${detail}` : REFUSALS[code], { cause: options.cause });
    this.msgId = options.msgId;
  }
}
