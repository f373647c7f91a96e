import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, signedHeaders, type FakeStreamConnection } from '@dtbot/testkit';
import { APP_SECRET, System } from '../harness/start-system.js';

/** The built gateway in Stream mode and a built worker: pushed over the WebSocket, answered through the webhook. */
describe('Stream mode end to end', () => {
  let system: System;
  let connection: FakeStreamConnection;

  beforeAll(async () => {
    system = await System.start({ label: 'stream-mode', workers: 1, stream: {} });
    connection = await system.stream!.connection(DEFAULT_ROBOT_CODE);
  });

  afterAll(async () => {
    await system?.close();
  });

  it('ACKs a pushed message once stored, answers it through its webhook, and once only when it is pushed again', async () => {
    const stream = system.stream!;
    const message = system.message({ text: 'over the Stream connection' });
    const first = await stream.pushMessage(connection, message);
    expect(first.ack).toMatchObject({ code: 200, messageId: first.messageId });

    const [answer] = await system.dingtalk.waitForDelivered(1, 10_000);
    expect(answer?.text).toBe('答复: over the Stream connection');
    expect(first.ack!.receivedAt).toBeLessThanOrEqual(answer!.receivedAt);

    // DingTalk pushes the same message again under a new messageId: ACKed, not answered again.
    const again = await stream.pushMessage(connection, message);
    expect(again.ack?.code).toBe(200);
    const next = await stream.pushMessage(connection, system.message({ text: 'the next question' }));
    expect(next.ack?.code).toBe(200);
    const delivered = await system.dingtalk.waitForDelivered(2, 10_000);
    expect(delivered.map((m) => m.text)).toEqual(['答复: over the Stream connection', '答复: the next question']);
    expect(stream.protocolErrors).toEqual([]);
  });

  it('is ready while connected, takes no HTTP callbacks, and closes the connection cleanly on SIGTERM', async () => {
    expect((await system.get('/readyz')).status).toBe(200);
    expect((await system.post(system.message(), signedHeaders(APP_SECRET))).status).toBe(404);
    expect(await system.gateway.stop('SIGTERM')).toBe(0);
    await system.stream!.until(() => connection.closedAt !== undefined, { what: 'the connection closed' });
    expect(connection.closeCode).toBe(1000);
  });
});
