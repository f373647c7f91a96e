/** What the callback's middleware hand on to each other in `ctx.state`. */
export interface CallbackState {
  /** Index of the AppSecret that verified the signature. */
  secretIndex?: number;
  /** The body as text, read within the size limit. */
  body?: string;
  /** Set once the message was readable, for the error log line. */
  msgId?: string;
}
