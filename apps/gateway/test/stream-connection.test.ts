import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { proxiedFetch, proxyRules, robotMetricLabel, sleep, type Robot } from '@dtbot/shared';
import {
  buildCallback,
  startForwardProxy,
  type CallbackOverrides,
  type FakeDingTalkStream,
  type FakeDingTalkStreamOptions,
  waitFor,
} from '@dtbot/testkit';
import type { RobotStreamOptions } from '../src/stream/robot-stream.js';
import { ALLOWED_ORIGIN, ROBOT, startAcceptStack, type AcceptStack } from './contract/accept-stack.js';
import { metricValue, QUICK, startFake, startStreamGateway, type StreamGateway } from './stream-harness.js';

// The gateway's Stream client in-process against the fake Stream server, storing on real Redis.
const SECOND: Robot = { robotCode: 'dingstreamsecond', appKey: 'dingstreamsecond', appSecret: 'stream-second-secret', options: { memoryScope: 'user', name: '第二个机器人' } };
const APP_KEY = ROBOT.appKey!;

let stack: AcceptStack;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // Long enough for a test to resume Redis while a message waits for it.
  stack = await startAcceptStack('stream-client', { enqueueTimeoutMs: 1000 });
});

afterEach(async () => {
  stack.proxy.resume();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await stack?.close();
});

const message = (overrides: CallbackOverrides = {}) =>
  buildCallback({ sessionWebhook: `${ALLOWED_ORIGIN}/robot/sendBySession?session=${randomBytes(8).toString('hex')}`, ...overrides });

async function setUp(
  robots: readonly Robot[] = [ROBOT],
  fakeOptions: Omit<FakeDingTalkStreamOptions, 'credentials'> = {},
  streamOptions: RobotStreamOptions = QUICK,
): Promise<{ fake: FakeDingTalkStream; gateway: StreamGateway }> {
  const fake = await startFake(robots, fakeOptions);
  const gateway = startStreamGateway(stack.accept, fake, robots, streamOptions);
  cleanups.push(async () => {
    await gateway.ingress.stop();
    await fake.close();
  });
  return { fake, gateway };
}

const gapsBetween = (times: number[]) => times.slice(1).map((time, index) => time - times[index]!);

describe('Stream: robot messages', () => {
  it('ACKs a stored message with code 200, its frame messageId and a string data, after it is stored', async () => {
    const { fake, gateway } = await setUp();
    const connection = await fake.connection(APP_KEY);
    const sent = message({ text: 'stream: hello' });
    const delivery = await fake.pushMessage(connection, sent);
    expect(delivery.ack).toMatchObject({ code: 200, messageId: delivery.messageId, message: 'OK', data: '{"response":null}' });
    const [job] = await stack.jobsOf(sent.msgId);
    expect(job?.data).toMatchObject({ robotCode: ROBOT.robotCode, prompt: 'stream: hello' });
    expect(job!.data.receivedAt).toBeLessThanOrEqual(delivery.ack!.receivedAt);
    expect(fake.protocolErrors).toEqual([]);
    expect(gateway.ingress.isUp()).toBe(true);
    expect(await metricValue(gateway.metrics, 'streamMessages', { result: 'stored' })).toBe(1);
    expect(await metricValue(gateway.metrics, 'streamConnections', { robot: robotMetricLabel(ROBOT.robotCode!) })).toBe(1);
    expect(await gateway.metrics.registry.metrics()).not.toContain(APP_KEY);
  });

  it('gives a message to the robot whose connection received it, whatever robotCode it claims or lacks', async () => {
    const { fake } = await setUp([ROBOT, SECOND]);
    const second = await fake.connection(SECOND.appKey!);
    const { robotCode: _none, ...unnamed } = message();
    const claiming = message({ robotCode: ROBOT.robotCode });
    expect((await fake.pushMessage(second, unnamed)).ack?.code).toBe(200);
    expect((await fake.pushMessage(second, claiming)).ack?.code).toBe(200);
    expect((await stack.jobsOf(unnamed.msgId)).map((job) => job.data.robotCode)).toEqual([SECOND.robotCode]);
    expect((await stack.jobsOf(claiming.msgId)).map((job) => job.data.robotCode)).toEqual([SECOND.robotCode]);
  });

  it('stores one job when two gateways receive the same msgId under different messageIds', async () => {
    const fake = await startFake([ROBOT]);
    const one = startStreamGateway(stack.accept, fake, [ROBOT]);
    const two = startStreamGateway(await stack.anotherGateway(), fake, [ROBOT]);
    cleanups.push(async () => {
      await Promise.all([one.ingress.stop(), two.ingress.stop()]);
      await fake.close();
    });
    const [first, second] = [await fake.connection(APP_KEY, 1), await fake.connection(APP_KEY, 2)];
    const sent = message({ text: 'pushed to two replicas' });
    const deliveries = await Promise.all([fake.pushMessage(first, sent), fake.pushMessage(second, sent)]);
    expect(deliveries.map((delivery) => delivery.ack?.code)).toEqual([200, 200]);
    expect(deliveries[0]!.messageId).not.toBe(deliveries[1]!.messageId);
    expect(await stack.jobsOf(sent.msgId)).toHaveLength(1);
  });

  it('does not ACK a message while Redis does not answer; the redelivery under a new messageId is stored once', async () => {
    const { fake } = await setUp([ROBOT], { redeliverAfterMs: 1500, maxRedeliveries: 2 });
    const connection = await fake.connection(APP_KEY);
    const sent = message({ text: 'stream: during an outage' });
    stack.proxy.pause();
    const first = await fake.pushMessage(connection, sent);
    stack.proxy.resume();
    expect(first.ack).toBeUndefined();
    expect(first.unacked).toBe(true);
    await fake.until(() => fake.deliveries.some((d) => d.redeliveryOf === first.messageId && d.ack?.code === 200), {
      what: 'an ACKed redelivery',
    });
    const redelivery = fake.deliveries.find((d) => d.redeliveryOf === first.messageId)!;
    expect(redelivery.msgId).toBe(sent.msgId);
    expect(redelivery.messageId).not.toBe(first.messageId);
    expect(await stack.jobsOf(sent.msgId)).toHaveLength(1);
  });
});

describe('Stream: other frames', () => {
  it('echoes ping, ACKs an EVENT with SUCCESS and an unknown topic with 200, and survives a frame that is not JSON', async () => {
    const { fake, gateway } = await setUp();
    const connection = await fake.connection(APP_KEY);
    expect((await fake.ping(connection)).code).toBe(200);
    const event = await fake.pushEvent(connection, 'chat_update_title', { title: 'new' });
    expect(event.ack?.code).toBe(200);
    expect(JSON.parse(event.ack!.data)).toMatchObject({ status: 'SUCCESS' });
    const card = await fake.pushCallback(connection, '/v1.0/card/instances/callback', '{"outTrackId":"x"}');
    expect(card.ack?.code).toBe(200);
    fake.sendRaw(connection, 'not a frame');
    expect((await fake.pushMessage(connection, message())).ack?.code).toBe(200);
    // Each frame answered as the protocol wants (a wrong echo would be a protocol error).
    expect(fake.protocolErrors).toEqual([]);
    expect(await metricValue(gateway.metrics, 'streamFrames', { type: 'malformed' })).toBe(1);
    expect(await metricValue(gateway.metrics, 'streamFrames', { type: 'SYSTEM' })).toBe(1);
    expect(await metricValue(gateway.metrics, 'streamFrames', { type: 'CALLBACK' })).toBe(2);
  });
});

describe('Stream: connection lifecycle', () => {
  it('on disconnect opens the next connection at once, ACKs on the old socket what it received, then closes it', async () => {
    // A one-minute backoff: a reconnect within the test did not wait for it.
    const { fake, gateway } = await setUp([ROBOT], { closeAfterDisconnectMs: 60_000 }, { backoff: { baseMs: 60_000 } });
    const old = await fake.connection(APP_KEY, 1);
    const sent = message({ text: 'in flight during a rotation' });
    stack.proxy.pause();
    const inFlight = fake.pushMessage(old, sent);
    fake.disconnect(old);
    const next = await fake.connection(APP_KEY, 2);
    expect(old.closedAt).toBeUndefined();
    stack.proxy.resume();
    const delivery = await inFlight;
    expect(delivery.ack).toMatchObject({ code: 200, connectionId: old.id });
    await fake.until(() => old.closedAt !== undefined, { what: 'the old connection closed by the gateway' });
    expect(old.closeCode).toBe(1000);
    expect(delivery.ack!.receivedAt).toBeLessThanOrEqual(old.closedAt!);
    expect(next.openedAt).toBeGreaterThanOrEqual(old.disconnectedAt!);
    expect((await fake.pushMessage(next, message())).ack?.code).toBe(200);
    expect(fake.openRequests.map((request) => request.status)).toEqual([200, 200]);
    expect(await metricValue(gateway.metrics, 'streamReconnects', { reason: 'disconnect' })).toBe(1);
    expect(gateway.ingress.isUp()).toBe(true);
    expect(fake.protocolErrors).toEqual([]);
  });

  it('reconnects with a fresh ticket after the connection is dropped, and logs neither ticket nor secret', async () => {
    const { fake, gateway } = await setUp();
    fake.drop(await fake.connection(APP_KEY, 1));
    const next = await fake.connection(APP_KEY, 2);
    expect((await fake.pushMessage(next, message())).ack?.code).toBe(200);
    expect(new Set(fake.tickets).size).toBe(2);
    expect(fake.rejectedTickets).toEqual([]);
    expect(await metricValue(gateway.metrics, 'streamReconnects', { reason: 'closed' })).toBe(1);
    const logs = gateway.logs.join('');
    expect(logs).toContain('stream connection closed');
    for (const secret of [...fake.tickets, ROBOT.appSecret]) expect(logs).not.toContain(secret);
  });

  it('finds a silent socket dead by its missing pong, cuts it and connects again', async () => {
    const { fake, gateway } = await setUp([ROBOT], {}, { ...QUICK, liveness: { pingIntervalMs: 50, pongTimeoutMs: 100 } });
    fake.freeze(await fake.connection(APP_KEY, 1));
    const next = await fake.connection(APP_KEY, 2);
    expect((await fake.pushMessage(next, message())).ack?.code).toBe(200);
    expect(await metricValue(gateway.metrics, 'streamReconnects', { reason: 'dead' })).toBe(1);
  });

  it('backs off after failed connects (expired tickets here), each wait longer, and is not up meanwhile', async () => {
    const { fake, gateway } = await setUp([ROBOT], { ticketTtlMs: -1 });
    await fake.until(() => fake.rejectedTickets.length >= 6, { what: 'six refused tickets' });
    expect(fake.rejectedTickets.every((rejected) => rejected.reason === 'expired')).toBe(true);
    const gaps = gapsBetween(fake.openRequests.map((request) => request.at));
    // Waits are drawn from 10–20, 20–40, 40–80, 80–160, 160–320 ms.
    expect(gaps[4]!).toBeGreaterThan(2 * gaps[0]!);
    expect(gaps[3]!).toBeGreaterThan(gaps[0]!);
    expect(gateway.ingress.isUp()).toBe(false);
    expect(await metricValue(gateway.metrics, 'streamReconnects', { reason: 'open_failed' })).toBeGreaterThanOrEqual(5);
  });

  it('keeps trying with wrong credentials, logging the refusal but never the secret', async () => {
    const wrong: Robot = { ...ROBOT, appSecret: 'not-the-right-secret' };
    const fake = await startFake([ROBOT]);
    const gateway = startStreamGateway(stack.accept, fake, [wrong]);
    cleanups.push(async () => {
      await gateway.ingress.stop();
      await fake.close();
    });
    await fake.until(() => fake.openRequests.length >= 3, { what: 'three connect attempts' });
    expect(fake.openRequests.every((request) => request.status === 400)).toBe(true);
    expect(gateway.ingress.isUp()).toBe(false);
    const logs = gateway.logs.join('');
    expect(logs).toContain('connections/open answered HTTP 400 invalidClientIdOrSecret');
    expect(logs).not.toContain('not-the-right-secret');
  });

  it('is up only while every robot is connected: one robot with a refused secret keeps the gateway not ready', async () => {
    const wrongSecond: Robot = { ...SECOND, appSecret: 'not-the-second-secret' };
    const fake = await startFake([ROBOT, SECOND]);
    const gateway = startStreamGateway(stack.accept, fake, [ROBOT, wrongSecond]);
    cleanups.push(async () => {
      await gateway.ingress.stop();
      await fake.close();
    });
    // The first robot is connected and takes messages...
    const first = await fake.connection(APP_KEY);
    expect((await fake.pushMessage(first, message())).ack?.code).toBe(200);
    await fake.until(() => fake.openRequests.filter((request) => request.status === 400).length >= 2, { what: 'two refused connects' });
    // ...but the second is not: /readyz reads this and answers 503.
    expect(gateway.ingress.isUp()).toBe(false);
    // Labelled by name when the robot has one, else by a short digest: never by the AppKey.
    expect(await metricValue(gateway.metrics, 'streamConnections', { robot: robotMetricLabel(ROBOT.robotCode!) })).toBe(1);
    expect(await metricValue(gateway.metrics, 'streamConnections', { robot: '第二个机器人' })).toBe(0);
    const exposition = await gateway.metrics.registry.metrics();
    for (const appKey of [ROBOT.appKey!, SECOND.appKey!]) expect(exposition).not.toContain(appKey);
  });

  it('waits the shortest time again after a connection that stayed up long enough to count as healthy', async () => {
    const fake = await startFake([ROBOT]);
    fake.setOpenFailure(503);
    const gateway = startStreamGateway(stack.accept, fake, [ROBOT], { backoff: { baseMs: 20, maxMs: 5000 }, healthyAfterMs: 100 });
    cleanups.push(async () => {
      await gateway.ingress.stop();
      await fake.close();
    });
    await fake.until(() => fake.openRequests.length >= 6, { what: 'six failed connects' });
    fake.setOpenFailure(undefined);
    const healthy = await fake.connection(APP_KEY, 1);
    await sleep(150);
    const droppedAt = Date.now();
    fake.drop(healthy);
    await fake.connection(APP_KEY, 2);
    const reopened = fake.openRequests.find((request) => request.at >= droppedAt)!;
    // Without the reset this wait would be drawn from 640–1280 ms.
    expect(reopened.at - droppedAt).toBeLessThan(300);
  });

  it('on stop during a one-minute wait before the next connect: returns at once and connects no more', async () => {
    const fake = await startFake([ROBOT]);
    fake.setOpenFailure(503);
    const gateway = startStreamGateway(stack.accept, fake, [ROBOT], { backoff: { baseMs: 60_000 } });
    cleanups.push(() => fake.close());
    await waitFor(() => gateway.logs.join('').includes('stream connect failed'), { message: 'a failed connect, then the wait' });
    const stopAt = Date.now();
    await gateway.ingress.stop();
    // The wait is drawn from 30–60 s: a stop that sat it out would take that long.
    expect(Date.now() - stopAt).toBeLessThan(1000);
    expect(fake.openRequests).toHaveLength(1);
  });

  it('on stop takes no new message, ACKs the one being stored, then closes the socket cleanly', async () => {
    const { fake, gateway } = await setUp([ROBOT], { redeliverAfterMs: 0 });
    const connection = await fake.connection(APP_KEY);
    stack.proxy.pause();
    const inFlight = fake.pushMessage(connection, message({ text: 'stored during shutdown' }));
    // Frames are handled in order: once the ping is echoed, the message is waiting for Redis.
    await fake.ping(connection);
    const stopping = gateway.ingress.stop();
    const late = fake.pushMessage(connection, message({ text: 'arrives after stop' }));
    stack.proxy.resume();
    await stopping;
    const stored = await inFlight;
    expect(stored.ack?.code).toBe(200);
    expect((await late).ack).toBeUndefined();
    await fake.until(() => connection.closedAt !== undefined, { what: 'the connection closed' });
    expect(connection.closeCode).toBe(1000);
    expect(stored.ack!.receivedAt).toBeLessThanOrEqual(connection.closedAt!);
    expect(gateway.ingress.isUp()).toBe(false);
  });
});

describe('Stream: through a proxy', () => {
  it('asks connections/open and opens the WebSocket through HTTP_PROXY, each a CONNECT tunnel', async () => {
    const proxy = await startForwardProxy();
    const fake = await startFake([ROBOT]);
    const rules = proxyRules({ HTTP_PROXY: proxy.url });
    const gateway = startStreamGateway(stack.accept, fake, [ROBOT], QUICK, { proxy: rules, fetch: proxiedFetch(rules) });
    cleanups.push(async () => {
      await gateway.ingress.stop();
      await Promise.all([fake.close(), proxy.close()]);
    });
    const connection = await fake.connection(APP_KEY);
    const delivery = await fake.pushMessage(connection, message({ text: 'stream: via the proxy' }));
    expect(delivery.ack?.code).toBe(200);
    // One tunnel for connections/open (undici), one for the WebSocket.
    expect(proxy.requestsTo(fake.apiBaseURL).filter((request) => request.method === 'CONNECT').length).toBeGreaterThanOrEqual(2);
  });
});
