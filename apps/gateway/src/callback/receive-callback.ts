import type { Middleware } from 'koa';
import type { Logger } from '@dtbot/shared';
import { acceptMessage, type AcceptDeps, type Carrier } from '../accept/accept-message.js';
import { Refusal } from '../accept/refusal.js';
import type { GatewayMetrics } from '../metrics.js';
import { refusalAsHttpError } from './callback-errors.js';
import type { CallbackState } from './callback-state.js';

/** The signature covers the timestamp header only: the body is whatever the poster wrote. */
const HTTP_CALLBACK: Carrier = { bodyAuthenticated: false };

interface ReceiveDeps extends AcceptDeps {
  logger: Logger;
  metrics: GatewayMetrics;
}

/** Hands a signed callback's body to the accept path, and only once it is stored answers 200. */
export function receiveCallback(deps: ReceiveDeps): Middleware<CallbackState> {
  // Bound once: labelled lookups on every callback are measurable at this rate.
  const storedCounter = deps.metrics.callbacks.labels('stored');
  const duplicateCounter = deps.metrics.callbacks.labels('duplicate');
  return async (ctx) => {
    const started = process.hrtime.bigint();
    const { robot, body } = ctx.state;
    // The signature middleware runs first; without a robot this route was built wrong.
    if (!robot) throw new Error('callback reached the accept path without a verified robot');
    let accepted;
    try {
      accepted = await acceptMessage(deps, body ?? '', robot, HTTP_CALLBACK);
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
