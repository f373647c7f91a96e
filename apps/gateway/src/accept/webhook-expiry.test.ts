import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Refusal } from './refusal.js';
import { refuseExpiredWebhook, WEBHOOK_EXPIRY_SKEW_MS } from './webhook-expiry.js';

const NOW = 1_765_000_000_000;
const arriving = (sessionWebhookExpiredTime: number) => () => refuseExpiredWebhook({ msgId: 'm1', sessionWebhookExpiredTime }, NOW);

describe('refuseExpiredWebhook', () => {
  it.each([
    ['expires in 90 minutes', NOW + 90 * 60_000],
    ['expires at arrival', NOW],
    ['expired exactly the clock skew before arrival', NOW - WEBHOOK_EXPIRY_SKEW_MS],
  ])('takes a webhook that %s', (_, expiry) => {
    expect(arriving(expiry)).not.toThrow();
  });

  it('refuses a webhook that expired 1 ms more than the clock skew before arrival, as webhook_expired with the message id', () => {
    const refusal = (() => {
      try {
        arriving(NOW - WEBHOOK_EXPIRY_SKEW_MS - 1)();
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(Refusal);
    expect(refusal).toMatchObject({ code: 'webhook_expired', msgId: 'm1', detail: 'it expired 60 s before the message arrived' });
  });

  it('refuses exactly the expiry times older than the skew, and throws nothing but a Refusal, for any integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (expiry) => {
        const refused = NOW - expiry > WEBHOOK_EXPIRY_SKEW_MS;
        if (refused) expect(arriving(expiry)).toThrow(Refusal);
        else expect(arriving(expiry)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
