import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  buildFrame,
  newMessageId,
  readAck,
  ROBOT_MESSAGE_TOPIC,
  type StreamAck,
  type StreamFrame,
  type StreamFrameType,
} from './fake-stream-frames.js';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';
import { startLocalHttpServer } from './local-http-server.js';

export interface FakeDingTalkStreamOptions {
  /** clientId (AppKey) → clientSecret (AppSecret) pairs `connections/open` accepts. */
  credentials: Record<string, string>;
  /** A ticket opens one connection, within this long; default 90 000 ms as DingTalk's. */
  ticketTtlMs?: number;
  /**
   * A pushed robot message not ACKed within this long counts as unacknowledged and is pushed again
   * with a new `messageId` and the same `data`; default 60 000 ms (as observed), 0 = never.
   */
  redeliverAfterMs?: number;
  /** Most times one message is pushed again; default 3. */
  maxRedeliveries?: number;
  /** After a `disconnect` frame the server closes that socket this much later; default 10 000 ms. */
  closeAfterDisconnectMs?: number;
  /** The `endpoint` handed out by `connections/open`; default this server's `ws://…/connect`. */
  endpoint?: string;
}

export interface FakeStreamConnection {
  readonly id: string;
  readonly clientId: string;
  readonly openedAt: number;
  /** When the server sent `disconnect` on it. */
  disconnectedAt?: number;
  /** Set by `freeze`: the server reads nothing more from it, so the client's pings go unanswered. */
  frozen: boolean;
  closedAt?: number;
  /** 1000 for a clean close; 1006 when it ended without a close frame. */
  closeCode?: number;
}

export interface StreamDelivery {
  readonly messageId: string;
  readonly connectionId: string;
  readonly clientId: string;
  readonly type: StreamFrameType;
  readonly topic: string;
  readonly data: string;
  /** The robot message's own id, when `data` is one. */
  readonly msgId: string | undefined;
  readonly pushedAt: number;
  /** The `messageId` of the first push of the same message, when this is a redelivery. */
  readonly redeliveryOf: string | undefined;
  /** `latencyMs`: from the push to its ACK, in fractions of a millisecond. */
  ack?: StreamAck & { receivedAt: number; latencyMs: number; connectionId: string };
  /** Its ACK deadline passed without an ACK. */
  unacked: boolean;
}

export interface OpenRequest {
  clientId: string;
  status: number;
  at: number;
  /** The CALLBACK topics the connection asked for. */
  callbackTopics: string[];
}

/** The topic of presses of the buttons of cards created with `callbackType: "STREAM"`. */
export const CARD_CALLBACK_TOPIC = '/v1.0/card/instances/callback';

/** A press of a card's button, as DingTalk reports it. */
export interface CardPressFrame {
  outTrackId: string;
  /** Who pressed (a staff id). */
  userId: string;
  /** The button's `actionId` (`stop`, `feedback_up`, …). */
  actionId: string;
  spaceType?: 'IM_GROUP' | 'IM_ROBOT';
  params?: Record<string, unknown>;
}

/** The `data` of a card callback: `content` is JSON in a string, as DingTalk sends it. */
export function cardCallbackData(press: CardPressFrame): string {
  return JSON.stringify({
    type: 'actionCallback',
    outTrackId: press.outTrackId,
    corpId: 'dingtestcorp',
    userId: press.userId,
    userIdType: 1,
    spaceType: press.spaceType ?? 'IM_GROUP',
    spaceId: 'cidtest',
    content: JSON.stringify({ cardPrivateData: { actionIds: [press.actionId], params: press.params ?? {} } }),
  });
}

export interface FakeDingTalkStream {
  /** `http://127.0.0.1:<port>`: the gateway's `DINGTALK_API_BASE_URL`. */
  readonly apiBaseURL: string;
  readonly openRequests: readonly OpenRequest[];
  readonly connections: readonly FakeStreamConnection[];
  readonly deliveries: readonly StreamDelivery[];
  /** Upgrades refused for their ticket. */
  readonly rejectedTickets: readonly { reason: 'unknown' | 'reused' | 'expired'; at: number }[];
  /** Client frames that broke the protocol (a malformed ACK, an ACK for nothing); tests expect none. */
  readonly protocolErrors: readonly string[];
  /** Tickets issued so far, oldest first. */
  readonly tickets: readonly string[];
  /** Resolves once `condition` holds; it is checked on every event of the fake, never by polling. */
  until(condition: () => boolean, options?: { timeoutMs?: number; what?: string }): Promise<void>;
  /** A client's open (not closed, not frozen) connections, oldest first. */
  liveConnections(clientId: string): FakeStreamConnection[];
  /** The n-th connection (1-based) a client opened, once it is open. */
  connection(clientId: string, n?: number): Promise<FakeStreamConnection>;
  /** Pushes a robot message (an object is serialised; a string is sent as `data` verbatim). */
  pushMessage(connection: FakeStreamConnection, message: object | string, options?: { messageId?: string }): Promise<StreamDelivery>;
  pushEvent(connection: FakeStreamConnection, eventType: string, data: object): Promise<StreamDelivery>;
  /** Pushes a press of a card's button on the card callback topic. */
  pushCardPress(connection: FakeStreamConnection, press: CardPressFrame): Promise<StreamDelivery>;
  /** Pushes a CALLBACK frame of any topic. */
  pushCallback(connection: FakeStreamConnection, topic: string, data: string): Promise<StreamDelivery>;
  /** Sends a raw text frame (to test what a client does with garbage). */
  sendRaw(connection: FakeStreamConnection, text: string): void;
  /** Sends SYSTEM `ping` and resolves with the client's echo. */
  ping(connection: FakeStreamConnection): Promise<StreamAck>;
  /** Sends SYSTEM `disconnect`, then closes the socket `closeAfterMs` later. */
  disconnect(connection: FakeStreamConnection, options?: { closeAfterMs?: number }): void;
  /** Ends the connection without a close frame. */
  drop(connection: FakeStreamConnection): void;
  /** Stops reading the connection: no more pongs, as when a peer dies without a word. */
  freeze(connection: FakeStreamConnection): void;
  /** While set, `connections/open` answers this HTTP status (as when DingTalk is unreachable or refuses). */
  setOpenFailure(status: number | undefined): void;
  close(): Promise<void>;
}

interface Ticket {
  clientId: string;
  issuedAt: number;
  used: boolean;
}

interface Pending {
  delivery: StreamDelivery;
  pushedPerf: number;
  resolve: (delivery: StreamDelivery) => void;
  timer: NodeJS.Timeout | undefined;
  redeliveries: number;
}

const CONNECT_PATH = '/connect';
const OPEN_PATH = '/v1.0/gateway/connections/open';
const EVENT_TOPIC = '*';

/**
 * DingTalk's Stream mode on 127.0.0.1: `POST /v1.0/gateway/connections/open` hands out single-use
 * tickets, and a WebSocket server pushes frames and checks the client's ACKs, as docs/dingtalk-protocol.md
 * describes. Every push, ACK, connection and refusal is recorded for the test to read.
 */
export async function startFakeDingTalkStream(options: FakeDingTalkStreamOptions): Promise<FakeDingTalkStream> {
  const ticketTtlMs = options.ticketTtlMs ?? 90_000;
  const redeliverAfterMs = options.redeliverAfterMs ?? 60_000;
  const maxRedeliveries = options.maxRedeliveries ?? 3;
  const closeAfterDisconnectMs = options.closeAfterDisconnectMs ?? 10_000;

  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = () => events.emit('change');
  const tickets = new Map<string, Ticket>();
  const issued: string[] = [];
  const openRequests: OpenRequest[] = [];
  const connections: FakeStreamConnection[] = [];
  const sockets = new Map<string, WebSocket>();
  const deliveries: StreamDelivery[] = [];
  const pending = new Map<string, Pending>();
  /** Messages due for redelivery while their client had no live connection. */
  const awaitingConnection: Pending[] = [];
  const pings = new Map<string, { data: string; connectionId: string; resolve: (ack: StreamAck) => void }>();
  const rejectedTickets: { reason: 'unknown' | 'reused' | 'expired'; at: number }[] = [];
  const protocolErrors: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let openFailure: number | undefined;
  let closed = false;

  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timers.add(timer);
    return timer;
  };

  const handleOpen = async (req: IncomingMessage, res: ServerResponse) => {
    const body = parseJson(await readBody(req));
    const clientId = isRecord(body) && typeof body.clientId === 'string' ? body.clientId : '';
    const asked = isRecord(body) && Array.isArray(body.subscriptions) ? body.subscriptions : [];
    const callbackTopics = asked.flatMap((s) => (isRecord(s) && s.type === 'CALLBACK' && typeof s.topic === 'string' ? [s.topic] : []));
    const answer = (status: number, payload: unknown) => {
      openRequests.push({ clientId, status, at: Date.now(), callbackTopics });
      sendJson(res, status, payload);
      changed();
    };
    if (openFailure !== undefined) return answer(openFailure, { code: 'ServiceUnavailable', message: 'try again later' });
    // Without it DingTalk answers XML (the official Node SDK's comment).
    if (!/application\/json/.test(req.headers.accept ?? '')) return answer(406, { code: 'NotAcceptable', message: 'Accept: application/json' });
    if (!isRecord(body) || typeof body.clientSecret !== 'string' || !clientId) {
      return answer(400, { code: 'MissingParameter', message: 'clientId and clientSecret are required' });
    }
    if (options.credentials[clientId] !== body.clientSecret) {
      return answer(400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' });
    }
    const subscriptions = Array.isArray(body.subscriptions) ? body.subscriptions : [];
    const subscribed = subscriptions.some((s) => isRecord(s) && s.type === 'CALLBACK' && s.topic === ROBOT_MESSAGE_TOPIC);
    if (!subscribed) return answer(400, { code: 'InvalidParameter', message: `subscriptions must include CALLBACK ${ROBOT_MESSAGE_TOPIC}` });
    const ticket = randomUUID();
    tickets.set(ticket, { clientId, issuedAt: Date.now(), used: false });
    issued.push(ticket);
    answer(200, { endpoint: options.endpoint ?? `${http.origin.replace(/^http/, 'ws')}${CONNECT_PATH}`, ticket });
  };

  const http = await startLocalHttpServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'POST' && pathname === OPEN_PATH) return handleOpen(req, res);
    sendJson(res, 404, { code: 'NotFound', message: `no fake for ${req.method} ${pathname}` });
  });
  const wss = new WebSocketServer({ noServer: true });

  const refuseUpgrade = (socket: Duplex, reason: 'unknown' | 'reused' | 'expired') => {
    rejectedTickets.push({ reason, at: Date.now() });
    socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nticket ${reason}`);
    changed();
  };

  http.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = tickets.get(url.searchParams.get('ticket') ?? '');
    if (url.pathname !== CONNECT_PATH || !ticket) return refuseUpgrade(socket, 'unknown');
    if (ticket.used) return refuseUpgrade(socket, 'reused');
    if (Date.now() - ticket.issuedAt > ticketTtlMs) return refuseUpgrade(socket, 'expired');
    ticket.used = true;
    wss.handleUpgrade(req, socket, head, (ws) => adopt(ws, ticket.clientId));
  });

  const adopt = (ws: WebSocket, clientId: string) => {
    const connection: FakeStreamConnection = { id: randomUUID(), clientId, openedAt: Date.now(), frozen: false };
    connections.push(connection);
    sockets.set(connection.id, ws);
    ws.on('message', (raw) => receive(connection, raw.toString()));
    ws.on('close', (code) => {
      connection.closedAt = Date.now();
      connection.closeCode = code;
      sockets.delete(connection.id);
      for (const entry of pending.values()) {
        // Without redelivery, a message whose socket is gone will never be ACKed.
        if (entry.delivery.connectionId === connection.id && redeliverAfterMs === 0) settle(entry, true);
      }
      changed();
    });
    changed();
    // A message that found no live connection when it was due is pushed on the next one.
    const due = awaitingConnection.filter((entry) => entry.delivery.clientId === clientId);
    for (const entry of due) {
      awaitingConnection.splice(awaitingConnection.indexOf(entry), 1);
      redeliver(entry);
    }
  };

  const receive = (connection: FakeStreamConnection, text: string) => {
    const ack = readAck(text);
    if (typeof ack === 'string') {
      protocolErrors.push(`${ack}: ${text.slice(0, 200)}`);
      return changed();
    }
    const ping = pings.get(ack.messageId);
    if (ping) {
      pings.delete(ack.messageId);
      if (ping.connectionId !== connection.id) protocolErrors.push(`ping ${ack.messageId} echoed on another connection`);
      if (ack.data !== ping.data || ack.code !== 200) protocolErrors.push(`ping ${ack.messageId} echoed as ${text}`);
      ping.resolve(ack);
      return changed();
    }
    const entry = pending.get(ack.messageId);
    const delivered = deliveries.find((delivery) => delivery.messageId === ack.messageId);
    if (!entry || !delivered) {
      protocolErrors.push(`ACK for ${delivered ? 'an already ACKed' : 'an unknown'} messageId ${ack.messageId}`);
      return changed();
    }
    if (entry.delivery.connectionId !== connection.id) protocolErrors.push(`ACK of ${ack.messageId} on another connection`);
    const latencyMs = performance.now() - entry.pushedPerf;
    entry.delivery.ack = { ...ack, receivedAt: Date.now(), latencyMs, connectionId: connection.id };
    settle(entry, false);
  };

  const settle = (entry: Pending, unacked: boolean) => {
    clearTimeout(entry.timer);
    entry.delivery.unacked = unacked;
    pending.delete(entry.delivery.messageId);
    entry.resolve(entry.delivery);
    changed();
  };

  const live = (clientId: string) =>
    connections.filter((c) => c.clientId === clientId && c.closedAt === undefined && !c.frozen && c.disconnectedAt === undefined);

  const send = (connection: FakeStreamConnection, frame: StreamFrame | string) => {
    const ws = sockets.get(connection.id);
    if (!ws) throw new Error(`fake Stream: connection ${connection.id} is closed`);
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  };

  const push = (
    connection: FakeStreamConnection,
    type: StreamFrameType,
    topic: string,
    data: string,
    extra: { messageId?: string; redeliveryOf?: string; redeliveries?: number; headers?: Record<string, string> } = {},
  ): Promise<StreamDelivery> => {
    const messageId = extra.messageId ?? newMessageId();
    const parsed = parseJson(data);
    const delivery: StreamDelivery = {
      messageId,
      connectionId: connection.id,
      clientId: connection.clientId,
      type,
      topic,
      data,
      msgId: isRecord(parsed) && typeof parsed.msgId === 'string' ? parsed.msgId : undefined,
      pushedAt: Date.now(),
      redeliveryOf: extra.redeliveryOf,
      unacked: false,
    };
    deliveries.push(delivery);
    return new Promise((resolve) => {
      const entry: Pending = { delivery, pushedPerf: performance.now(), resolve, timer: undefined, redeliveries: extra.redeliveries ?? 0 };
      pending.set(messageId, entry);
      if (redeliverAfterMs > 0) entry.timer = later(redeliverAfterMs, () => expire(entry));
      const headers = { appId: connection.clientId, connectionId: connection.id, messageId, ...extra.headers };
      send(connection, buildFrame(type, topic, data, headers));
      changed();
    });
  };

  /** No ACK in time: the push counts as unacknowledged, and DingTalk pushes the message again. */
  const expire = (entry: Pending) => {
    settle(entry, true);
    if (entry.redeliveries < maxRedeliveries) redeliver(entry);
  };

  const redeliver = (entry: Pending) => {
    if (closed) return;
    const [target] = live(entry.delivery.clientId).slice(-1);
    // No live connection: it goes out on the client's next connection (see adopt).
    if (!target) return void awaitingConnection.push(entry);
    const { delivery } = entry;
    void push(target, delivery.type, delivery.topic, delivery.data, {
      redeliveryOf: delivery.redeliveryOf ?? delivery.messageId,
      redeliveries: entry.redeliveries + 1,
    });
  };

  const describe = () =>
    [
      ...connections.map(
        (c) => `  connection ${c.id.slice(0, 8)} ${c.clientId} ${c.closedAt ? `closed ${c.closeCode}` : c.frozen ? 'frozen' : 'open'}`,
      ),
      ...deliveries.map(
        (d) => `  ${d.type} ${d.messageId} msgId=${d.msgId ?? '-'} ${d.ack ? `ACK ${d.ack.code}` : d.unacked ? 'unacked' : 'waiting'}`,
      ),
      ...protocolErrors.map((error) => `  protocol error: ${error}`),
    ].join('\n');

  const until: FakeDingTalkStream['until'] = (condition, { timeoutMs = 5000, what = 'a condition' } = {}) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        events.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        events.off('change', check);
        reject(new Error(`fake Stream: no ${what} within ${timeoutMs} ms\n${describe()}`));
      }, timeoutMs);
      events.on('change', check);
      check();
    });

  return {
    apiBaseURL: http.origin,
    openRequests,
    connections,
    deliveries,
    rejectedTickets,
    protocolErrors,
    tickets: issued,
    until,
    liveConnections: live,
    async connection(clientId, n = 1) {
      const nth = () => connections.filter((c) => c.clientId === clientId)[n - 1];
      await until(() => nth() !== undefined, { what: `connection #${n} of ${clientId}` });
      return nth()!;
    },
    pushMessage(connection, message, { messageId } = {}) {
      const data = typeof message === 'string' ? message : JSON.stringify(message);
      return push(connection, 'CALLBACK', ROBOT_MESSAGE_TOPIC, data, { messageId });
    },
    pushEvent(connection, eventType, data) {
      const headers = { eventType, eventId: randomUUID(), eventBornTime: String(Date.now()), eventCorpId: 'dingtestcorp' };
      return push(connection, 'EVENT', EVENT_TOPIC, JSON.stringify(data), { headers });
    },
    pushCardPress(connection, press) {
      return push(connection, 'CALLBACK', CARD_CALLBACK_TOPIC, cardCallbackData(press));
    },
    pushCallback(connection, topic, data) {
      return push(connection, 'CALLBACK', topic, data);
    },
    sendRaw(connection, text) {
      send(connection, text);
    },
    ping(connection) {
      const messageId = newMessageId();
      const data = JSON.stringify({ opaque: randomUUID() });
      return new Promise((resolve) => {
        pings.set(messageId, { data, connectionId: connection.id, resolve });
        send(connection, buildFrame('SYSTEM', 'ping', data, { messageId }));
      });
    },
    disconnect(connection, { closeAfterMs = closeAfterDisconnectMs } = {}) {
      connection.disconnectedAt = Date.now();
      send(connection, buildFrame('SYSTEM', 'disconnect', JSON.stringify({ reason: 'connection is expired' })));
      changed();
      later(closeAfterMs, () => sockets.get(connection.id)?.close(1000, 'connection is expired'));
    },
    drop(connection) {
      sockets.get(connection.id)?.terminate();
    },
    freeze(connection) {
      connection.frozen = true;
      sockets.get(connection.id)?.pause();
      changed();
    },
    setOpenFailure(status) {
      openFailure = status;
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const ws of sockets.values()) ws.terminate();
      wss.close();
      await http.close();
    },
  };
}
