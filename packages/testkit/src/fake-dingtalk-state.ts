import type { DeliveredMessage } from './dingtalk-delivered-message.js';
import type { FakeFile, FileDownloadRequest } from './fake-dingtalk-files.js';

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

/** Which door of the fake a refusal is for (`legacyToken`: `GET /gettoken`; `media`: `/media/upload`). */
export type FakeDingTalkApi = 'webhook' | 'openapi' | 'token' | 'legacyToken' | 'media';

/**
 * A one-shot answer that replaces what the fake would have done with one request: a webhook
 * business error (HTTP 200 with `errcode`), or any HTTP status with a JSON body (e.g. 403 with a
 * `QpsLimit` code, or a 200 listing `flowControlledStaffIdList`). Nothing is delivered.
 */
export type FakeRefusal = { errcode: number; errmsg?: string } | { status: number; body?: unknown };

export interface FakeDingTalkBehaviour {
  /** Every n-th otherwise deliverable webhook post gets HTTP 200 with this errcode and is not delivered. */
  errcodeEvery?: { n: number; errcode: number; errmsg: string };
  /** Largest webhook body accepted; default 20 000 bytes (protocol reference §2.5). */
  maxWebhookBodyBytes?: number;
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
    expiredSessions: new Set(),
    issuedTokens: new Map(),
    issuedLegacyTokens: new Set(),
    uploadedMedia: [],
    files: new Map(),
    fileDownloads: [],
    filesServed: 0,
    deliverableWebhookPosts: 0,
    tokenRequests: 0,
    legacyTokenRequests: 0,
    requests: 0,
    refusals: { webhook: [], openapi: [], token: [], legacyToken: [], media: [] },
  };
}
