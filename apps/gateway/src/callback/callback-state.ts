import type { Robot } from '@dtbot/shared';

/** What the callback's middleware hand on to each other in `ctx.state`. */
export interface CallbackState {
  /** The robot whose AppSecret verified the signature: the message is this robot's. */
  robot?: Robot;
  /** The body as text, read within the size limit. */
  body?: string;
  /** Set once the message was readable, for the error log line. */
  msgId?: string;
}
