import { isAllowedDownload, proxiedRequest, type HttpAnswer, type HttpRequest } from '@dtbot/shared';
import type { AccessTokens } from './access-tokens.js';
import { answerResult, DingTalkError, type DingTalkAnswer, type DingTalkApi } from './dingtalk-error.js';
import { readAtMost } from './read-at-most.js';
import { WorkerFailure } from '../failures/worker-failure.js';

export interface DingTalkClientOptions {
  /** The OpenAPI's base (`DINGTALK_API_BASE_URL`); paths are resolved against it. */
  apiBaseUrl: string;
  /** The legacy OpenAPI's base (`legacyApiBaseFor` the OpenAPI's): media upload and its token; allowed too. */
  oapiBaseUrl?: string;
  /**
   * Origins a request may go to: the OpenAPI's and those a sessionWebhook may point to. Anything
   * else is refused before a socket opens.
   */
  allowedOrigins: readonly string[];
  /**
   * Addresses refused even where their origin is allowed: places that take a robot's posts but are
   * not DingTalk's, so no answer sent through this client may land there.
   */
  refusedPrefixes?: readonly string[];
  timeoutMs: number;
  /**
   * Origins (`https://*.domain` allowed) a file a user sent may be downloaded from, and its largest
   * size (`downloadOriginsFor` the OpenAPI's base, `PICTURE_MAX_BYTES`). No origin: nothing is downloaded.
   */
  downloads?: { origins: readonly string[]; maxBytes: number };
  /**
   * How uploads and downloads are made: through the configured proxy, if any (`proxiedFetch`). Default: Node's
   * `fetch`.
   */
  fetch?: typeof fetch;
  /** How the JSON calls are made (webhook posts, OpenAPI calls): through the same proxy (`proxiedRequest`). */
  request?: HttpRequest;
  /** Told the result of every request that was sent (`answerResult`), for the metrics. */
  onAnswer?: (api: DingTalkApi, result: string) => void;
}

/** The credentials an OpenAPI call is made with. */
export interface RobotApp {
  appKey: string;
  appSecret: string;
}

type Json = Record<string, unknown>;

/** A file for DingTalk's media store. */
export interface MediaFile {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

/** A file a user sent, as downloaded: its bytes, or that it is larger than allowed. */
export type DownloadedFile = { bytes: Buffer; contentType: string | undefined } | { tooLarge: true };

export const FILE_DOWNLOAD_PATH = '/v1.0/robot/messageFiles/download';
/** A storage URL may redirect (to another bucket host); each hop is checked against the allowed origins. */
const MAX_DOWNLOAD_REDIRECTS = 3;

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };

/** The JSON calls' client when none is given: undici's, directly. */
const directRequest = proxiedRequest({ configured: false, proxyFor: () => undefined });

/**
 * The one way the worker talks to DingTalk: every request goes through `send`, which refuses
 * origins outside the allow-list, bounds the wait, reads the JSON answer and throws a failure as a
 * `DingTalkError` holding what DingTalk answered: what it means is decided where the failure is
 * settled (`classifyError`), not here. On top: webhook posts (success is errcode 0) and
 * OpenAPI calls with the app's access token (forgotten when DingTalk refuses it).
 */
export class DingTalkClient {
  private readonly allowed: Set<string>;

  constructor(
    private readonly tokens: AccessTokens,
    private readonly options: DingTalkClientOptions,
  ) {
    const origins = [...options.allowedOrigins, ...(options.oapiBaseUrl ? [options.oapiBaseUrl] : [])];
    this.allowed = new Set(origins.map((origin) => new URL(origin).origin));
  }

  /** Posts one message to a sessionWebhook; DingTalk answers business errors as 200 + errcode. */
  async postToWebhook(webhook: string, body: Json): Promise<void> {
    const { status, json } = await this.send('webhook', webhook, { method: 'POST', body });
    const errcode = typeof json?.errcode === 'number' ? json.errcode : undefined;
    if (json === undefined) this.fail({ api: 'webhook', status, malformed: true }, 'sessionWebhook answered something other than JSON');
    if (errcode !== undefined && errcode !== 0) {
      this.fail({ api: 'webhook', status, errcode }, `sessionWebhook errcode ${errcode}: ${String(json?.errmsg ?? '')}`.trim());
    }
    this.options.onAnswer?.('webhook', 'ok');
  }

  /**
   * Calls the OpenAPI as `app`; `api` names the door in metrics (`card` for the card API). A 1:1
   * send answers 200 yet lists recipients it did not reach, and an answer may say `success: false`;
   * those count as failures too.
   */
  async callApi(app: RobotApp, method: 'POST' | 'PUT', path: string, body: Json, api: 'openapi' | 'card' = 'openapi'): Promise<Json> {
    const token = await this.tokens.get(app.appKey, () => this.issueToken(app));
    try {
      const { status, json } = await this.send(api, path, { method, body, headers: { 'x-acs-dingtalk-access-token': token } });
      const answer = json ?? {};
      const unreached = {
        flowControlled: listLength(answer.flowControlledStaffIdList),
        invalidRecipients: listLength(answer.invalidStaffIdList),
        filteredRecipients: listLength(answer.filteredStaffIdList),
      };
      if (unreached.flowControlled + unreached.invalidRecipients + unreached.filteredRecipients > 0) {
        this.fail({ api, status, ...unreached }, `DingTalk OpenAPI ${path} did not reach the recipient`);
      }
      if (answer.success === false) this.fail({ api, status, malformed: true }, `DingTalk OpenAPI ${path} answered success: false`);
      this.options.onAnswer?.(api, 'ok');
      return answer;
    } catch (error) {
      if (error instanceof DingTalkError && error.answer.status === 401) {
        await this.tokens.forget(app.appKey);
      }
      throw error;
    }
  }

  /**
   * Uploads a file to DingTalk's media store (`POST /media/upload`, legacy OpenAPI) as `app` and
   * returns its `media_id`, which a markdown message can show (`![](<media_id>)`).
   */
  async uploadMedia(app: RobotApp, type: 'image' | 'file', file: MediaFile): Promise<string> {
    if (!this.options.oapiBaseUrl) throw new WorkerFailure('media_upload_unconfigured', 'no legacy OpenAPI base is configured for media uploads');
    const token = await this.tokens.get(app.appKey, () => this.issueLegacyToken(app), 'oapi');
    const url = new URL('/media/upload', this.options.oapiBaseUrl);
    url.search = new URLSearchParams({ access_token: token, type }).toString();
    const form = new FormData();
    form.append('media', new Blob([file.bytes], { type: file.contentType }), file.filename);
    try {
      const json = await this.sendLegacy('media', url, { method: 'POST', body: form });
      if (typeof json.media_id !== 'string' || !json.media_id) {
        this.fail({ api: 'media', status: 200, malformed: true }, 'DingTalk answered the media upload without a media_id');
      }
      this.options.onAnswer?.('media', 'ok');
      return json.media_id;
    } catch (error) {
      const answer = error instanceof DingTalkError ? error.answer : undefined;
      if (answer && [40001, 40014, 42001].includes(answer.errcode ?? 0)) await this.tokens.forget(app.appKey, 'oapi');
      throw error;
    }
  }

  /**
   * A file a user sent the robot, by its download code: DingTalk exchanges the code, for the robot's
   * own app, for a short-lived URL on its storage, which is fetched only from the allowed download
   * origins and only up to the allowed size, or up to `maxBytes` when that is smaller.
   */
  async downloadMessageFile(app: RobotApp, robotCode: string, downloadCode: string, maxBytes = Number.POSITIVE_INFINITY): Promise<DownloadedFile> {
    const answer = await this.callApi(app, 'POST', FILE_DOWNLOAD_PATH, { downloadCode, robotCode });
    if (typeof answer.downloadUrl !== 'string' || !answer.downloadUrl) {
      this.fail({ api: 'openapi', status: 200, malformed: true }, 'DingTalk answered the file download without a downloadUrl');
    }
    return this.fetchFile(answer.downloadUrl, maxBytes);
  }

  private async fetchFile(target: string, maxBytes: number): Promise<DownloadedFile> {
    const configured = this.options.downloads ?? { origins: [], maxBytes: 0 };
    const downloads = { origins: configured.origins, maxBytes: Math.min(configured.maxBytes, maxBytes) };
    let url = new URL(target);
    for (let hop = 0; ; hop += 1) {
      // The URL came from DingTalk; this still keeps a wrong answer, or a redirect, from reaching elsewhere.
      if (!isAllowedDownload(url, downloads.origins)) {
        throw new WorkerFailure('origin_not_allowed', `refused to download from ${url.origin}: not DingTalk's storage nor its API's origin`);
      }
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(url, { redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs) });
      } catch (error) {
        this.fail({ api: 'download' }, 'the file a user sent could not be downloaded', error);
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location && hop < MAX_DOWNLOAD_REDIRECTS) {
        await response.body?.cancel().catch(() => undefined);
        url = new URL(location, url);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        this.fail({ api: 'download', status: response.status }, `the file download answered HTTP ${response.status}`);
      }
      const bytes = await readAtMost(response, downloads.maxBytes);
      this.options.onAnswer?.('download', bytes ? 'ok' : 'too_large');
      return bytes ? { bytes, contentType: response.headers.get('content-type') ?? undefined } : { tooLarge: true };
    }
  }

  private async issueLegacyToken(app: RobotApp): Promise<{ accessToken: string; expireIn: number }> {
    const url = new URL('/gettoken', this.options.oapiBaseUrl!);
    url.search = new URLSearchParams({ appkey: app.appKey, appsecret: app.appSecret }).toString();
    const json = await this.sendLegacy('legacy_token', url, { method: 'GET' });
    if (typeof json.access_token !== 'string' || !json.access_token) {
      this.fail({ api: 'legacy_token', status: 200, malformed: true }, 'DingTalk answered the legacy token request without a token');
    }
    this.options.onAnswer?.('legacy_token', 'ok');
    return { accessToken: json.access_token, expireIn: typeof json.expires_in === 'number' ? json.expires_in : 7200 };
  }

  /** A legacy endpoint: like `send`, and a non-zero `errcode` in a 200 is a failure too. */
  private async sendLegacy(api: 'legacy_token' | 'media', url: URL, request: { method: string; body?: FormData }): Promise<Json> {
    const { status, json } = await this.send(api, url.href, request);
    if (json === undefined) this.fail({ api, status, malformed: true }, `DingTalk ${api} answered something other than JSON`);
    const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
    if (errcode !== 0) this.fail({ api, status, errcode }, `DingTalk ${api} errcode ${errcode}: ${String(json.errmsg ?? '')}`.trim());
    return json;
  }

  private async issueToken(app: RobotApp): Promise<{ accessToken: string; expireIn: number }> {
    const body = { appKey: app.appKey, appSecret: app.appSecret };
    const { status, json } = await this.send('token', '/v1.0/oauth2/accessToken', { method: 'POST', body });
    if (typeof json?.accessToken !== 'string' || !json.accessToken) {
      this.fail({ api: 'token', status, malformed: true }, 'DingTalk answered the access token request without a token');
    }
    this.options.onAnswer?.('token', 'ok');
    return { accessToken: json.accessToken, expireIn: typeof json.expireIn === 'number' ? json.expireIn : 7200 };
  }

  /** One request: allowed origin, timeout, JSON; a non-2xx answer is a `DingTalkError`. */
  private async send(
    api: DingTalkApi,
    target: string,
    request: { method: string; body?: Json | FormData; headers?: Record<string, string> },
  ): Promise<{ status: number; json: Json | undefined }> {
    const url = new URL(target, this.options.apiBaseUrl);
    // A sessionWebhook came from a message: the gateway checked it, and we check again before posting.
    if (!this.allows(url)) throw new WorkerFailure('origin_not_allowed', `refused to call ${url.origin}: not an allowed DingTalk origin`);
    let response: HttpAnswer;
    try {
      const { method, body, headers } = request;
      response = body instanceof FormData ? await this.sendForm(url, method, body, headers) : await this.sendJson(url, { method, body, headers });
    } catch (error) {
      this.fail({ api }, `DingTalk ${api} could not be reached`, error);
    }
    // Followed, a 307 would carry the body (an AppSecret, an answer) and the token header to wherever it pointed,
    // past the origin check above; DingTalk's APIs answer where they are asked, so a redirect is a failure.
    if (isRedirect(response.status)) {
      await response.discard();
      this.fail({ api, status: response.status, redirected: true }, `DingTalk ${api} answered a redirect (HTTP ${response.status}); not followed`);
    }
    const json = parseObject(await response.text());
    if (response.status < 200 || response.status > 299) {
      const code = typeof json?.code === 'string' ? json.code : undefined;
      this.fail({ api, status: response.status, code }, `DingTalk ${api} answered HTTP ${response.status} ${code ?? ''}`.trim());
    }
    return { status: response.status, json };
  }

  private sendJson(url: URL, request: { method: string; body?: Json; headers?: Record<string, string> }): Promise<HttpAnswer> {
    return (this.options.request ?? directRequest)(url, {
      method: request.method,
      headers: request.body === undefined ? { accept: 'application/json', ...request.headers } : { ...jsonHeaders, ...request.headers },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  /** A form (a media upload) sets its own multipart content type. */
  private async sendForm(url: URL, method: string, body: FormData, headers: Record<string, string> | undefined): Promise<HttpAnswer> {
    const response = await (this.options.fetch ?? fetch)(url, {
      method,
      headers: { accept: 'application/json', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      text: () => response.text(),
      discard: () => response.body?.cancel().catch(() => undefined) ?? Promise.resolve(),
    };
  }

  /** An allowed origin, outside the refused prefixes (checked on the normalised URL: `..` cannot climb out of one). */
  private allows(url: URL): boolean {
    if (url.username || url.password) return false;
    const refused = (this.options.refusedPrefixes ?? []).some((prefix) => url.href.startsWith(prefix));
    return !refused && this.allowed.has(url.origin);
  }

  private fail(answer: DingTalkAnswer, message: string, cause?: unknown): never {
    this.options.onAnswer?.(answer.api, answerResult(answer));
    throw new DingTalkError(answer, message, { cause });
  }
}

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** fetch with `redirect: 'manual'` hands a 3xx back as it came (or as status 0, opaque, in a browser). */
function isRedirect(status: number): boolean {
  return status === 0 || (status >= 300 && status < 400);
}

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}
