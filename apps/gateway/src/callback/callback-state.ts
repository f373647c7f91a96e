/** What a route's middleware hand on to each other, and to the error handler, in `ctx.state`. */
export interface CallbackState {
  /** The body as text, read within the size limit (`readBody`). */
  body?: string;
  /** Set once the message was readable, for the error log line. */
  msgId?: string;
}
