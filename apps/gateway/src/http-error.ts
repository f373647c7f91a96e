/**
 * An error that knows its HTTP answer, as Koa's `ctx.onerror` expects: `status`, and `expose` telling
 * whether the message may be shown to the caller. 4xx explain themselves; 5xx say only their status.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly expose: boolean;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.expose = status < 500;
  }
}
