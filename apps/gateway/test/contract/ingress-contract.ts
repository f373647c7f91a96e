import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCallback, type CallbackOverrides } from '@dtbot/testkit';
import { ALLOWED_ORIGIN, startAcceptStack, type AcceptStack } from './accept-stack.js';

/**
 * What DingTalk learns from an ingress about one message: it was taken (200, or a Stream ACK with
 * code 200), refused for good (a 4xx, or an ACK with another code: resending cannot help), or not
 * acknowledged (a 503, or no ACK: DingTalk delivers it again).
 */
export type Heard = 'acknowledged' | 'refused' | 'not_acknowledged';

export interface IngressDriver {
  /** Delivers a robot message's JSON text the way this ingress receives it. */
  deliver(json: string): Promise<Heard>;
  close(): Promise<void>;
}

export interface IngressTraits {
  /** Whether the ingress vouches for the body itself (Stream) or only for a signed timestamp (HTTP callback). */
  bodyAuthenticated: boolean;
}

/**
 * One suite every ingress passes (HTTP callback, Stream), like bull-board's `serverAdapterContract`:
 * both reach the store through `acceptMessage`, so both must answer alike, except where `traits` says
 * how they differ.
 */
export function ingressContract(name: string, startDriver: (stack: AcceptStack) => Promise<IngressDriver>, traits: IngressTraits): void {
  describe(`${name} ingress: the shared contract`, () => {
    let stack: AcceptStack;
    let driver: IngressDriver;

    beforeAll(async () => {
      stack = await startAcceptStack(`contract-${name}`);
      driver = await startDriver(stack);
    });

    afterAll(async () => {
      await driver?.close();
      await stack?.close();
    });

    const message = (overrides: CallbackOverrides = {}) => {
      const session = randomBytes(8).toString('hex');
      return buildCallback({ sessionWebhook: `${ALLOWED_ORIGIN}/robot/sendBySession?session=${session}`, ...overrides });
    };

    it('acknowledges a valid message once it is stored as one job', async () => {
      const valid = message({ text: 'contract: valid' });
      expect(await driver.deliver(JSON.stringify(valid))).toBe('acknowledged');
      const jobs = await stack.jobsOf(valid.msgId);
      expect(jobs.map((job) => job.data.prompt)).toEqual(['contract: valid']);
    });

    it('acknowledges a redelivery without storing a second job', async () => {
      const json = JSON.stringify(message({ text: 'contract: redelivered' }));
      expect(await driver.deliver(json)).toBe('acknowledged');
      expect(await driver.deliver(json)).toBe('acknowledged');
      expect(await stack.jobsOf(JSON.parse(json).msgId)).toHaveLength(1);
    });

    it('refuses malformed JSON for good and stores nothing', async () => {
      const before = await stack.jobCount();
      expect(await driver.deliver('{"msgtype":"text",')).toBe('refused');
      expect(await stack.jobCount()).toBe(before);
    });

    it('refuses a message missing required fields for good and stores nothing', async () => {
      const { msgId: _msgId, sessionWebhook: _webhook, ...incomplete } = message();
      const before = await stack.jobCount();
      expect(await driver.deliver(JSON.stringify(incomplete))).toBe('refused');
      expect(await stack.jobCount()).toBe(before);
    });

    it('refuses a sessionWebhook outside the allowed origins for good and stores nothing', async () => {
      const foreign = message({ sessionWebhook: 'https://evil.example/robot/sendBySession?session=x' });
      expect(await driver.deliver(JSON.stringify(foreign))).toBe('refused');
      expect(await stack.jobsOf(foreign.msgId)).toHaveLength(0);
    });

    it(`${traits.bodyAuthenticated ? 'acknowledges' : 'refuses for good, storing nothing,'} a message whose webhook expired 10 minutes before it arrived`, async () => {
      const late = message({ text: 'contract: expired on arrival', sessionWebhookExpiredTime: Date.now() - 10 * 60_000 });
      expect(await driver.deliver(JSON.stringify(late))).toBe(traits.bodyAuthenticated ? 'acknowledged' : 'refused');
      expect(await stack.jobsOf(late.msgId)).toHaveLength(traits.bodyAuthenticated ? 1 : 0);
    });

    it('acknowledges a message whose webhook expired 5 s before it arrived (within the clock skew) or expires after', async () => {
      for (const offset of [-5_000, 1_000]) {
        const skewed = message({ text: `contract: webhook ${offset} ms`, sessionWebhookExpiredTime: Date.now() + offset });
        expect(await driver.deliver(JSON.stringify(skewed))).toBe('acknowledged');
        expect(await stack.jobsOf(skewed.msgId)).toHaveLength(1);
      }
    });

    it('does not acknowledge while Redis does not answer, and stores the redelivery once Redis is back', async () => {
      const json = JSON.stringify(message({ text: 'contract: during an outage' }));
      stack.proxy.pause();
      try {
        expect(await driver.deliver(json)).toBe('not_acknowledged');
      } finally {
        // The held commands now run late, as a Redis that was stuck would run them.
        stack.proxy.resume();
      }
      expect(await driver.deliver(json)).toBe('acknowledged');
      expect(await stack.jobsOf(JSON.parse(json).msgId)).toHaveLength(1);
    });
  });
}
