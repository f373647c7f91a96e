import type { Middleware } from 'koa';
import type { Logger, Robot } from '@dtbot/shared';
import { acceptMessage, type AcceptDeps, type Carrier } from '../accept/accept-message.js';
import { Refusal } from '../accept/refusal.js';
import type { GatewayMetrics } from '../metrics.js';
import { readJsonBody } from '../middleware/read-body.js';
import { verifyCallbackSignature } from '../middleware/verify-callback-signature.js';
import { refusalAsHttpError } from './callback-errors.js';
import type { CallbackState } from './callback-state.js';

/** The signature covers the timestamp header only: the body is whatever the poster wrote. */
const HTTP_CALLBACK: Carrier = { bodyAuthenticated: false };

interface ReceiveDeps extends AcceptDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  /** The robots whose callbacks this gateway takes; each callback is the robot's whose secret signed it. */
  robots: readonly Robot[];
  maxBodyBytes: number;
}

/**
 * The callback route, as one middleware: checks the signature, reads the body, hands it to the accept path, and
 * only once it is stored answers 200. One middleware rather than three: each level of a Koa chain costs every
 * callback a dispatch and a promise (bench).
 */
export function receiveCallback(deps: ReceiveDeps): Middleware<CallbackState> {
  const signedRobot = verifyCallbackSignature(deps.robots);
  // Bound once: labelled lookups on every callback are measurable at this rate.
  const storedCounter = deps.metrics.callbacks.labels('stored');
  const duplicateCounter = deps.metrics.callbacks.labels('duplicate');
  return async (ctx) => {
    // The signature covers only headers, so it is checked first: an unsigned sender never gets a
    // body buffered on its behalf.
    const robot = signedRobot(ctx);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    const started = process.hrtime.bigint();
    let accepted;
    try {
      accepted = await acceptMessage(deps, body, robot, HTTP_CALLBACK);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      ctx.state.msgId = error.msgId;
      throw refusalAsHttpError(error);
    }
    const { stored, jobId, message } = accepted;
    ctx.status = 200;
    ctx.body = {};
    (stored === 'new' ? storedCounter : duplicateCounter).inc();
    deps.metrics.ackSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    // Debug, not info: at thousands of callbacks a second this line cost a tenth of the gateway's
    // throughput (bench). The worker logs each message's answer at info, with the same ids.
    deps.logger.debug({ msgId: message.msgId, jobId, stored }, 'callback stored');
  };
}
