import type { DeliveredMessage } from './dingtalk-delivered-message.js';
import type { FakeFile, FileDownloadRequest } from './fake-dingtalk-file.js';
import { SlidingWindow } from './sliding-window.js';

export interface WebhookMessage {
  session: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

/** A webhook post answered with a non-zero errcode (and so not delivered). */
export interface WebhookRejection {
  session: string;
  errcode: number;
  errmsg: string;
  body: unknown;
  receivedAt: number;
}

export interface OpenApiMessage {
  path: string;
  body: Record<string, unknown>;
  /** The app whose access token the send carried. */
  appKey: string;
  receivedAt: number;
}

/** A file uploaded to `/media/upload` (legacy OpenAPI), as the fake stored it. */
export interface UploadedMedia {
  mediaId: string;
  /** The `type` query parameter: `image`, `voice`, `video` or `file`. */
  type: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  receivedAt: number;
}

/**
 * Which door of the fake a refusal is for (`legacyToken`: `GET /gettoken`; `media`: `/media/upload`;
 * `card`: the card API, `/v1.0/card/...`).
 */
export type FakeDingTalkApi = 'webhook' | 'openapi' | 'token' | 'legacyToken' | 'media' | 'card';

/** One `PUT /v1.0/card/streaming` the fake accepted. */
export interface CardStreamingUpdate {
  guid: string;
  key: string;
  content: string;
  isFull: boolean;
  isFinalize: boolean;
  isError: boolean;
  receivedAt: number;
}

/** An AI card created by `createAndDeliver`, with everything later done to it. */
export interface FakeCard {
  outTrackId: string;
  cardTemplateId: string;
  openSpaceId: string;
  /** `IM_GROUP` (a group, `target` = conversationId) or `IM_ROBOT` (a private chat, `target` = staff id). */
  spaceType: 'IM_GROUP' | 'IM_ROBOT';
  target: string;
  robotCode: string | undefined;
  /** Group cards: the `atUserIds` map (userId → nick) of `imGroupOpenDeliverModel`. */
  atUserIds: Record<string, string> | undefined;
  /** Where presses of its buttons go: `STREAM` (the robot's Stream connection) or `HTTP` (to `callbackRouteKey`). */
  callbackType: 'STREAM' | 'HTTP' | undefined;
  callbackRouteKey: string | undefined;
  /**
   * The card's data: `cardParamMap` at creation, then each `PUT /v1.0/card/instances` (merged with
   * `cardUpdateOptions.updateCardDataByKey`, replacing it otherwise) and each streaming update.
   */
  params: Record<string, string>;
  /** Accepted streaming updates, in arrival order. */
  updates: CardStreamingUpdate[];
  /** Whether a streaming update with `isFinalize: true` was accepted; later updates are refused. */
  finalized: boolean;
  createdAt: number;
}

/** One call to the card API, admitted or not, with the status the fake answered. */
export interface CardCall {
  method: string;
  path: string;
  status: number;
  receivedAt: number;
}

/**
 * A one-shot answer that replaces what the fake would have done with one request: a webhook
 * business error (HTTP 200 with `errcode`), or any HTTP status with a JSON body (e.g. 403 with a
 * `QpsLimit` code, or a 200 listing `flowControlledStaffIdList`). Nothing is delivered, unless
 * `served` says the work was done and only the answer is replaced.
 */
export type FakeRefusal =
  | { errcode: number; errmsg?: string }
  | {
      status: number;
      body?: unknown;
      /**
       * Card API only: the request is carried out, but this answer is sent instead of the real one,
       * as when DingTalk did the work and its answer was lost (a gateway timeout).
       */
      served?: boolean;
    };

export interface FakeDingTalkBehaviour {
  /** Every n-th otherwise deliverable webhook post gets HTTP 200 with this errcode and is not delivered. */
  errcodeEvery?: { n: number; errcode: number; errmsg: string };
  /** Largest webhook body accepted; default 20 000 bytes (what DingTalk is reported to refuse above). */
  maxWebhookBodyBytes?: number;
  /**
   * Card API calls admitted in any rolling second, all cards together; past it: HTTP 403 with a
   * `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` code. Unset = no limit.
   */
  cardQps?: number;
  /** Card templates that exist; `createAndDeliver` with any other is refused. Unset = any template. */
  cardTemplates?: readonly string[];
}

export interface FakeDingTalkOptions extends FakeDingTalkBehaviour {
  /** appKey → appSecret pairs the token endpoint accepts; unset = any non-empty pair. */
  credentials?: Record<string, string>;
}

/** Everything the fake's handlers read and write; the server exposes it read-only to tests. */
export interface FakeDingTalkState {
  behaviour: FakeDingTalkBehaviour;
  readonly credentials: Record<string, string> | undefined;
  readonly webhookMessages: WebhookMessage[];
  readonly webhookRejections: WebhookRejection[];
  readonly openApiMessages: OpenApiMessage[];
  readonly delivered: DeliveredMessage[];
  /** Cards by `outTrackId`, in creation order. */
  readonly cards: Map<string, FakeCard>;
  readonly cardCalls: CardCall[];
  /** Every streaming `guid` ever accepted: DingTalk wants a new one per call. */
  readonly cardGuids: Set<string>;
  /** Admitted card calls, for `cardQps`. */
  readonly cardWindow: SlidingWindow;
  readonly expiredSessions: Set<string>;
  /** Access token → the AppKey it was issued to. */
  readonly issuedTokens: Map<string, string>;
  /** Tokens of the legacy `oapi` endpoints (`GET /gettoken`), passed as `?access_token=`. */
  readonly issuedLegacyTokens: Set<string>;
  readonly uploadedMedia: UploadedMedia[];
  /** Files users sent, by download code (`addFile`). */
  readonly files: Map<string, FakeFile>;
  /** Download codes exchanged for a URL. */
  readonly fileDownloads: FileDownloadRequest[];
  /** Files served from a download URL. */
  filesServed: number;
  /** Download URLs that answered a redirect instead. */
  filesRedirected: number;
  /** Bytes of file bodies written to sockets: what a download read, or less when it stopped reading. */
  fileBytesSent: number;
  /** Webhook posts that passed validation; `errcodeEvery` counts these. */
  deliverableWebhookPosts: number;
  tokenRequests: number;
  /** Calls to `GET /gettoken`, successful or not. */
  legacyTokenRequests: number;
  /** Every request that reached the fake, whatever it was. */
  requests: number;
  /** Answers queued by `refuseNext`, used up one per request, in order. */
  readonly refusals: Record<FakeDingTalkApi, FakeRefusal[]>;
}

export function createFakeDingTalkState(options: FakeDingTalkOptions): FakeDingTalkState {
  const { credentials, ...behaviour } = options;
  return {
    behaviour,
    credentials,
    webhookMessages: [],
    webhookRejections: [],
    openApiMessages: [],
    delivered: [],
    cards: new Map(),
    cardCalls: [],
    cardGuids: new Set(),
    cardWindow: new SlidingWindow(1000),
    expiredSessions: new Set(),
    issuedTokens: new Map(),
    issuedLegacyTokens: new Set(),
    uploadedMedia: [],
    files: new Map(),
    fileDownloads: [],
    filesServed: 0,
    filesRedirected: 0,
    fileBytesSent: 0,
    deliverableWebhookPosts: 0,
    tokenRequests: 0,
    legacyTokenRequests: 0,
    requests: 0,
    refusals: { webhook: [], openapi: [], token: [], legacyToken: [], media: [], card: [] },
  };
}
