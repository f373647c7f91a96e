import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sleep } from '@dtbot/shared';
import { CARD_CALLBACK_TOPIC, startFakeDingTalkStream, type FakeDingTalkStream } from './fake-dingtalk-stream.js';
import { ROBOT_MESSAGE_TOPIC } from './fake-stream-frames.js';

// The fake itself, driven by a bare `ws` client: what it accepts, refuses and records.
const CLIENT_ID = 'dingfakeclient';
const SECRET = 'fake-client-secret';
let fake: FakeDingTalkStream | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await fake?.close();
  fake = undefined;
});

async function open(stream: FakeDingTalkStream, body: Record<string, unknown> = {}, accept = 'application/json') {
  const response = await fetch(`${stream.apiBaseURL}/v1.0/gateway/connections/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      subscriptions: [{ type: 'CALLBACK', topic: ROBOT_MESSAGE_TOPIC }],
      ...body,
    }),
  });
  return { status: response.status, body: (await response.json()) as { endpoint?: string; ticket?: string; code?: string } };
}

/** Opens a socket with a ticket; resolves with the socket, or with the HTTP status of a refused upgrade. */
function connect(endpoint: string, ticket: string): Promise<WebSocket | number> {
  const socket = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`);
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

async function connected(stream: FakeDingTalkStream): Promise<WebSocket> {
  const { body } = await open(stream);
  const socket = await connect(body.endpoint!, body.ticket!);
  if (typeof socket === 'number') throw new Error(`upgrade refused with ${socket}`);
  return socket;
}

const nextFrame = async (socket: WebSocket) => JSON.parse(String((await once(socket, 'message'))[0])) as {
  type: string;
  headers: Record<string, string>;
  data: string;
};

const ack = (messageId: string, data = '{"response":null}', code = 200) =>
  JSON.stringify({ code, headers: { contentType: 'application/json', messageId }, message: 'OK', data });

describe('fake Stream: connections/open and tickets', () => {
  it('hands out an endpoint and a ticket for good credentials, and refuses bad ones and a missing Accept', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET } });
    const good = await open(fake);
    expect(good.status).toBe(200);
    expect(good.body.endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/connect$/);
    expect((await open(fake, { clientSecret: 'wrong' })).body.code).toBe('invalidClientIdOrSecret');
    expect((await open(fake, {}, 'text/xml')).status).toBe(406);
    expect((await open(fake, { subscriptions: [] })).status).toBe(400);
    expect(fake.openRequests.map((request) => request.status)).toEqual([200, 400, 406, 400]);
  });

  it('opens one connection per ticket: a reused, unknown or expired ticket gets 401', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET }, ticketTtlMs: 50 });
    const { body } = await open(fake);
    expect(await connect(body.endpoint!, body.ticket!)).toBeInstanceOf(WebSocket);
    expect(await connect(body.endpoint!, body.ticket!)).toBe(401);
    expect(await connect(body.endpoint!, 'no-such-ticket')).toBe(401);
    const late = await open(fake);
    await sleep(80);
    expect(await connect(late.body.endpoint!, late.body.ticket!)).toBe(401);
    expect(fake.rejectedTickets.map((rejected) => rejected.reason)).toEqual(['reused', 'unknown', 'expired']);
  });
});

describe('fake Stream: frames and ACKs', () => {
  it('pushes a robot message with data as a string and records the matching ACK', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET } });
    const socket = await connected(fake);
    const connection = await fake.connection(CLIENT_ID);
    const pushed = fake.pushMessage(connection, { msgId: 'msg-1', text: { content: 'hi' } });
    const frame = await nextFrame(socket);
    expect(frame).toMatchObject({ type: 'CALLBACK', headers: { topic: ROBOT_MESSAGE_TOPIC } });
    expect(JSON.parse(frame.data)).toMatchObject({ msgId: 'msg-1' });
    socket.send(ack(frame.headers.messageId!));
    expect((await pushed).ack).toMatchObject({ code: 200, messageId: frame.headers.messageId });
    expect(fake.protocolErrors).toEqual([]);
  });

  it('records the CALLBACK topics a connection asked for, and pushes a card press with its content as JSON in a string', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET } });
    const opened = await open(fake, { subscriptions: [{ type: 'CALLBACK', topic: ROBOT_MESSAGE_TOPIC }, { type: 'CALLBACK', topic: CARD_CALLBACK_TOPIC }] });
    const socket = await connect(opened.body.endpoint!, opened.body.ticket!);
    if (typeof socket === 'number') throw new Error(`upgrade refused: ${socket}`);
    expect(fake.openRequests.at(-1)?.callbackTopics).toEqual([ROBOT_MESSAGE_TOPIC, CARD_CALLBACK_TOPIC]);
    const connection = await fake.connection(CLIENT_ID);
    const pushed = fake.pushCardPress(connection, { outTrackId: 'track-1', userId: 'u1', actionId: 'stop' });
    const frame = await nextFrame(socket);
    expect(frame).toMatchObject({ type: 'CALLBACK', headers: { topic: CARD_CALLBACK_TOPIC } });
    const data = JSON.parse(frame.data) as { type: string; outTrackId: string; userId: string; content: string };
    expect(data).toMatchObject({ type: 'actionCallback', outTrackId: 'track-1', userId: 'u1' });
    expect(JSON.parse(data.content)).toEqual({ cardPrivateData: { actionIds: ['stop'], params: {} } });
    socket.send(ack(frame.headers.messageId!));
    expect((await pushed).ack).toMatchObject({ code: 200 });
  });

  it('records malformed ACKs and ACKs of unknown messages as protocol errors', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET } });
    const socket = await connected(fake);
    const connection = await fake.connection(CLIENT_ID);
    void fake.pushMessage(connection, { msgId: 'msg-2' });
    const { headers } = await nextFrame(socket);
    socket.send(JSON.stringify({ code: '200', headers: { contentType: 'application/json', messageId: headers.messageId }, message: 'OK', data: '{}' }));
    socket.send(JSON.stringify({ code: 200, headers: { contentType: 'application/json', messageId: headers.messageId }, message: 'OK', data: {} }));
    socket.send(ack('never-pushed'));
    await fake.until(() => fake!.protocolErrors.length === 3, { what: 'three protocol errors' });
    expect(fake.protocolErrors.map((error) => error.split(':')[0])).toEqual([
      'ACK code is not a number',
      'ACK data is not a string (it must be JSON serialised as a string)',
      'ACK for an unknown messageId never-pushed',
    ]);
  });

  it('pushes an un-ACKed message again with a new messageId and the same msgId', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET }, redeliverAfterMs: 50, maxRedeliveries: 1 });
    const socket = await connected(fake);
    const frames: { headers: Record<string, string>; data: string }[] = [];
    const twoFrames = new Promise<void>((resolve) =>
      socket.on('message', (raw) => {
        if (frames.push(JSON.parse(String(raw))) === 2) resolve();
      }),
    );
    const connection = await fake.connection(CLIENT_ID);
    const first = await fake.pushMessage(connection, { msgId: 'msg-again' });
    expect(first.unacked).toBe(true);
    await twoFrames;
    expect(frames.map((frame) => JSON.parse(frame.data).msgId)).toEqual(['msg-again', 'msg-again']);
    expect(frames[1]!.headers.messageId).not.toBe(frames[0]!.headers.messageId);
    expect(fake.deliveries[1]).toMatchObject({ redeliveryOf: first.messageId, msgId: 'msg-again' });
  });

  it('sends ping and expects its data echoed, and closes a socket some time after disconnect', async () => {
    fake = await startFakeDingTalkStream({ credentials: { [CLIENT_ID]: SECRET }, closeAfterDisconnectMs: 30 });
    const socket = await connected(fake);
    const connection = await fake.connection(CLIENT_ID);
    const pinged = fake.ping(connection);
    const ping = await nextFrame(socket);
    expect(ping).toMatchObject({ type: 'SYSTEM', headers: { topic: 'ping' } });
    socket.send(ack(ping.headers.messageId!, ping.data));
    expect((await pinged).data).toBe(ping.data);
    fake.disconnect(connection);
    expect(await nextFrame(socket)).toMatchObject({ type: 'SYSTEM', headers: { topic: 'disconnect' } });
    const [code] = await once(socket, 'close');
    expect(code).toBe(1000);
    expect(fake.liveConnections(CLIENT_ID)).toEqual([]);
    expect(fake.protocolErrors).toEqual([]);
  });
});
