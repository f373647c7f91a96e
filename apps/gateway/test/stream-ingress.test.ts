import { afterAll } from 'vitest';
import type { FakeDingTalkStream } from '@dtbot/testkit';
import { ROBOT } from './contract/accept-stack.js';
import { ingressContract, type Heard } from './contract/ingress-contract.js';
import { startFake, startStreamGateway } from './stream-harness.js';

let fake: FakeDingTalkStream | undefined;
afterAll(async () => {
  await fake?.close();
});

ingressContract('Stream', async (stack) => {
  // Longer than the accept path's Redis timeout, so "no ACK" means "refused", not "slow". The
  // contract redelivers by itself, so the fake does not.
  fake = await startFake([ROBOT], { redeliverAfterMs: 1500, maxRedeliveries: 0 });
  const gateway = startStreamGateway(stack.accept, fake, [ROBOT]);
  const connection = await fake.connection(ROBOT.appKey!);
  const stream = fake;
  return {
    async deliver(json): Promise<Heard> {
      const delivery = await stream.pushMessage(connection, json);
      if (!delivery.ack) return 'not_acknowledged';
      return delivery.ack.code === 200 ? 'acknowledged' : 'refused';
    },
    close: () => gateway.ingress.stop(),
  };
}, { bodyAuthenticated: true });
