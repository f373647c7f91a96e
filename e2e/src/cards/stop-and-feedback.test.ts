import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, waitFor, type FakeStreamConnection } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

const TEMPLATE = 'answer-card.schema';
const LONG = Array.from({ length: 80 }, (_, index) => `第${index}句。`).join('');
const STOPPED = '（已停止）';

/**
 * The built gateway in Stream mode and two built workers, each a process of its own: a press of a card's stop
 * button reaches the gateway over its Stream connection, and the worker writing the answer, whichever it is,
 * closes its model stream.
 */
describe('AI-card stop and feedback end to end', () => {
  let system: System;
  let connection: FakeStreamConnection;

  beforeAll(async () => {
    system = await System.start({
      label: 'card-stop',
      workers: 2,
      stream: {},
      env: { ADMIN_USERS: 'boss' },
      workerEnv: { DINGTALK_CARD_TEMPLATE_ID: TEMPLATE, DINGTALK_CARD_UPDATE_MS: '100' },
      openai: { answer: () => LONG, stream: { chunks: 80, intervalMs: 50 } },
      dingtalk: { cardTemplates: [TEMPLATE] },
    });
    connection = await system.stream!.connection(DEFAULT_ROBOT_CODE);
  });

  afterAll(async () => {
    await system?.close();
  });

  it('a stranger\'s stop is refused; the asker\'s closes the model stream within a second and ends the card with what it showed', async () => {
    const stream = system.stream!;
    const pushed = await stream.pushMessage(connection, system.groupMessage({ text: 'write a lot', senderStaffId: 'asker' }));
    expect(pushed.ack?.code).toBe(200);
    await waitFor(() => (system.dingtalk.cards()[0]?.updates.length ?? 0) >= 2, { timeoutMs: 10_000, message: 'the card shows drafts' });
    const card = system.dingtalk.cards()[0]!;
    expect(card.callbackType).toBe('STREAM');

    const refused = await stream.pushCardPress(connection, { outTrackId: card.outTrackId, userId: 'stranger', actionId: 'stop' });
    expect(refused.ack?.code).toBe(200);
    const pressed = Date.now();
    const stopped = await stream.pushCardPress(connection, { outTrackId: card.outTrackId, userId: 'asker', actionId: 'stop' });
    expect(stopped.ack?.code).toBe(200);
    await waitFor(() => system.openai.abandoned === 1, { timeoutMs: 1000, message: 'the model stream closed within a second of the press' });
    const abortedMs = Date.now() - pressed;
    await waitFor(() => card.params.flowStatus === '3', { timeoutMs: 5000, message: 'the card is finished' });
    const finishedMs = Date.now() - pressed;

    expect(abortedMs).toBeLessThan(1000);
    const text = card.params.content!;
    expect(text.endsWith(STOPPED)).toBe(true);
    expect(LONG.startsWith(text.slice(0, -`\n\n${STOPPED}`.length))).toBe(true);
    expect(card.params.stopped).toBe('true');
    // The card's last update came soon after the press: no more than the update gap and a few calls.
    expect(finishedMs).toBeLessThan(2000);
    expect(stream.protocolErrors).toEqual([]);

    // Once finished, its feedback buttons record one vote per person.
    const up = await stream.pushCardPress(connection, { outTrackId: card.outTrackId, userId: 'asker', actionId: 'feedback_up' });
    const again = await stream.pushCardPress(connection, { outTrackId: card.outTrackId, userId: 'asker', actionId: 'feedback_up' });
    expect([up.ack?.code, again.ack?.code]).toEqual([200, 200]);
    const metrics = String((await system.get('/metrics', system.gateway.metricsPort)).body);
    expect(metrics).toMatch(/dtbot_gateway_card_callbacks_total\{outcome="stop_refused"\} 1/);
    expect(metrics).toMatch(/dtbot_gateway_card_callbacks_total\{outcome="stopped"\} 1/);
    expect(metrics).toMatch(/dtbot_gateway_card_callbacks_total\{outcome="voted"\} 1/);
    expect(metrics).toMatch(/dtbot_gateway_card_callbacks_total\{outcome="vote_unchanged"\} 1/);
    expect(metrics).toMatch(/dtbot_gateway_feedback_good_total\{robot="[^"]+",model="[^"]+"\} 1/);
  });
});
