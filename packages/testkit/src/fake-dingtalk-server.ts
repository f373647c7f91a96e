import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveredMessage } from './dingtalk-delivered-message.js';
import type { FakeFile, FileDownloadRequest } from './fake-dingtalk-file.js';
import { FILE_DOWNLOAD_PATH, FILES_PATH_PREFIX, handleFileDownload, handleFileGet } from './fake-dingtalk-files.js';
import { handleLegacyToken, handleMediaUpload } from './fake-dingtalk-media.js';
import { handleCardCall, isCardPath } from './fake-dingtalk-cards.js';
import { BATCH_SEND_PATH, GROUP_SEND_PATH, handleAccessToken, handleRobotSend } from './fake-dingtalk-openapi.js';
import {
  createFakeDingTalkState,
  type CardCall,
  type FakeCard,
  type FakeDingTalkApi,
  type FakeDingTalkBehaviour,
  type FakeDingTalkOptions,
  type FakeRefusal,
  type OpenApiMessage,
  type UploadedMedia,
  type WebhookMessage,
  type WebhookRejection,
} from './fake-dingtalk-state.js';
import { handleSessionWebhook } from './fake-dingtalk-webhook.js';
import { sendJson } from './http-json.js';
import { startLocalHttpServer } from './local-http-server.js';
import { waitFor } from './wait-for.js';

export interface FakeDingTalk {
  /** `http://127.0.0.1:<port>`: add it to the allowed webhook origins. */
  readonly origin: string;
  /** Same as `origin`: the OpenAPI base URL (`/v1.0/...` paths). */
  readonly apiBaseURL: string;
  /** Delivered webhook posts only; rejected ones are in `webhookRejections`. */
  readonly webhookMessages: readonly WebhookMessage[];
  readonly webhookRejections: readonly WebhookRejection[];
  /** Accepted OpenAPI robot sends. */
  readonly openApiMessages: readonly OpenApiMessage[];
  /** Calls to `/v1.0/oauth2/accessToken`, successful or not. */
  readonly tokenRequests: number;
  /** Calls to the legacy `GET /gettoken`, successful or not. */
  readonly legacyTokenRequests: number;
  /** Files accepted by `/media/upload`. */
  readonly uploadedMedia: readonly UploadedMedia[];
  /** Every request the fake received, on any path. */
  readonly requests: number;
  /** Webhook posts that passed validation so far; `errcodeEvery` counts these. */
  readonly deliverableWebhookPosts: number;
  /** Full sessionWebhook URL for a session id (a random one if omitted). */
  sessionWebhook(sessionId?: string): string;
  /** From now on posts to this session get errcode 300001. */
  expireSession(sessionId: string): void;
  /** Invalidates every issued access token, as if they had all run out. */
  expireAccessTokens(): void;
  /** Merges into the current behaviour; set a key to `undefined` to drop it. */
  setBehaviour(change: FakeDingTalkBehaviour): void;
  /** The next requests to `api` (one each, in order) get these answers instead of being served. */
  refuseNext(api: FakeDingTalkApi, ...refusals: FakeRefusal[]): void;
  /** AI cards created with `createAndDeliver`, in creation order, each with its updates. */
  cards(): FakeCard[];
  /** Every call to the card API (admitted, throttled or refused), in arrival order. */
  readonly cardCalls: readonly CardCall[];
  /** Resolves with the cards once one satisfies `done` (e.g. it was finalized); default timeout 5000 ms. */
  waitForCard(done: (card: FakeCard) => boolean, timeoutMs?: number): Promise<FakeCard>;
  /** Every delivered message, webhook and OpenAPI, in arrival order. */
  delivered(): DeliveredMessage[];
  /** Resolves with all delivered messages once there are at least `count`; default timeout 5000 ms. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<DeliveredMessage[]>;
  /**
   * A file a user sent: its `downloadCode` downloads it (`POST /v1.0/robot/messageFiles/download`,
   * then `GET` the URL). Content type `image/png` unless given.
   */
  addFile(downloadCode: string, file: Omit<FakeFile, 'contentType'> & { contentType?: string }): void;
  /** Download codes exchanged for a URL, with the robot and the app whose token asked. */
  readonly fileDownloads: readonly FileDownloadRequest[];
  /** Files served from a download URL. */
  readonly filesServed: number;
  /** Download URLs that answered a redirect (`FakeFile.redirectTo`) instead of the bytes. */
  readonly filesRedirected: number;
  /** Bytes of file bodies written: less than a file's size when the download stopped reading it. */
  readonly fileBytesSent: number;
  close(): Promise<void>;
}

const TEXT_PREVIEW_CHARS = 80;

function preview(message: DeliveredMessage): string {
  const { text: full } = message;
  const text = full.length > TEXT_PREVIEW_CHARS ? `${full.slice(0, TEXT_PREVIEW_CHARS)}…` : full;
  return `${message.route}→${message.target}: ${JSON.stringify(text)}`;
}

function cardSummary(card: FakeCard) {
  return { outTrackId: card.outTrackId, target: card.target, params: card.params, updates: card.updates.length, finalized: card.finalized };
}

/**
 * A real HTTP server standing in for sessionWebhooks, the robot OpenAPI (AI cards included) and
 * the legacy `oapi` media upload; one origin serves them all.
 */
export async function startFakeDingTalk(options: FakeDingTalkOptions = {}): Promise<FakeDingTalk> {
  const state = createFakeDingTalkState(options);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    state.requests += 1;
    if (req.method === 'GET' && url.pathname === '/gettoken') return handleLegacyToken(state, res, url);
    if (req.method === 'GET' && url.pathname.startsWith(FILES_PATH_PREFIX)) return handleFileGet(state, res, url);
    if (isCardPath(url.pathname)) return handleCardCall(state, req, res, url.pathname);
    if (req.method !== 'POST') {
      return sendJson(res, 405, { code: 'MethodNotAllowed', message: `${req.method} not allowed` });
    }
    switch (url.pathname) {
      case '/robot/sendBySession':
        return handleSessionWebhook(state, req, res, url);
      case '/v1.0/oauth2/accessToken':
        return handleAccessToken(state, req, res);
      case '/media/upload':
        return handleMediaUpload(state, req, res, url);
      case FILE_DOWNLOAD_PATH:
        return handleFileDownload(state, req, res, http.origin);
      case GROUP_SEND_PATH:
      case BATCH_SEND_PATH:
        return handleRobotSend(state, req, res, url.pathname);
      default:
        return sendJson(res, 404, { code: 'NotFound', message: `no fake for ${url.pathname}` });
    }
  };

  const http = await startLocalHttpServer(handle);

  const describeArrivals = (count: number, timeoutMs: number) => {
    const arrived = state.delivered.map(preview);
    const rejected = state.webhookRejections.map((r) => `${r.session}: ${r.errcode} ${r.errmsg}`);
    return [
      `expected ${count} delivered message(s) within ${timeoutMs} ms, got ${arrived.length}`,
      ...arrived.map((line) => `  delivered ${line}`),
      ...rejected.map((line) => `  rejected webhook ${line}`),
    ].join('\n');
  };

  return {
    origin: http.origin,
    apiBaseURL: http.origin,
    webhookMessages: state.webhookMessages,
    webhookRejections: state.webhookRejections,
    openApiMessages: state.openApiMessages,
    uploadedMedia: state.uploadedMedia,
    get tokenRequests() {
      return state.tokenRequests;
    },
    get legacyTokenRequests() {
      return state.legacyTokenRequests;
    },
    get requests() {
      return state.requests;
    },
    get deliverableWebhookPosts() {
      return state.deliverableWebhookPosts;
    },
    sessionWebhook(sessionId = randomBytes(16).toString('hex')) {
      return `${http.origin}/robot/sendBySession?session=${encodeURIComponent(sessionId)}`;
    },
    expireSession(sessionId) {
      state.expiredSessions.add(sessionId);
    },
    expireAccessTokens() {
      state.issuedTokens.clear();
    },
    setBehaviour(change) {
      state.behaviour = { ...state.behaviour, ...change };
    },
    refuseNext(api, ...refusals) {
      state.refusals[api].push(...refusals);
    },
    cards() {
      return [...state.cards.values()];
    },
    cardCalls: state.cardCalls,
    async waitForCard(done, timeoutMs = 5000) {
      let found: FakeCard | undefined;
      await waitFor(() => (found = [...state.cards.values()].find(done)) !== undefined, {
        timeoutMs,
        intervalMs: 10,
        message: () => `no card as awaited within ${timeoutMs} ms; cards: ${JSON.stringify([...state.cards.values()].map(cardSummary))}`,
      });
      return found!;
    },
    delivered() {
      return [...state.delivered];
    },
    async waitForDelivered(count, timeoutMs = 5000) {
      await waitFor(() => state.delivered.length >= count, {
        timeoutMs,
        intervalMs: 10,
        message: () => describeArrivals(count, timeoutMs),
      });
      return [...state.delivered];
    },
    addFile(downloadCode, file) {
      state.files.set(downloadCode, { contentType: 'image/png', ...file });
    },
    fileDownloads: state.fileDownloads,
    get fileBytesSent() {
      return state.fileBytesSent;
    },
    get filesServed() {
      return state.filesServed;
    },
    get filesRedirected() {
      return state.filesRedirected;
    },
    close: http.close,
  };
}
