import { BotError } from '@dtbot/shared';
import { classifyError } from '../classify-error.js';
import type { AccessTokens } from './access-tokens.js';
import { answerResult, DingTalkError, type DingTalkAnswer, type DingTalkApi } from './dingtalk-error.js';

export interface DingTalkClientOptions {
  /** The OpenAPI's base (`DINGTALK_API_BASE_URL`); paths are resolved against it. */
  apiBaseUrl: string;
  /**
   * Origins a request may go to: the OpenAPI's and those a sessionWebhook may point to. Anything
   * else is refused before a socket opens.
   */
  allowedOrigins: readonly string[];
  timeoutMs: number;
  /** Told the result of every request that was sent (`answerResult`), for the metrics. */
  onAnswer?: (api: DingTalkApi, result: string) => void;
}

/** The credentials an OpenAPI call is made with. */
export interface RobotApp {
  appKey: string;
  appSecret: string;
}

type Json = Record<string, unknown>;

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };

/**
 * The one way the worker talks to DingTalk: every request goes through `send`, which refuses
 * origins outside the allow-list, bounds the wait, reads the JSON answer and turns a failure into
 * a `BotError` kind through `classifyError`. On top: webhook posts (success is errcode 0) and
 * OpenAPI calls with the app's access token (forgotten when DingTalk refuses it).
 */
export class DingTalkClient {
  private readonly allowed: Set<string>;

  constructor(
    private readonly tokens: AccessTokens,
    private readonly options: DingTalkClientOptions,
  ) {
    this.allowed = new Set(options.allowedOrigins.map((origin) => new URL(origin).origin));
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
   * Calls the OpenAPI as `app`. A 1:1 send answers 200 yet lists recipients it did not reach;
   * those count as failures too.
   */
  async callApi(app: RobotApp, method: 'POST' | 'PUT', path: string, body: Json): Promise<Json> {
    const token = await this.tokens.get(app.appKey, () => this.issueToken(app));
    try {
      const { json } = await this.send('openapi', path, { method, body, headers: { 'x-acs-dingtalk-access-token': token } });
      const answer = json ?? {};
      const unreached = {
        flowControlled: listLength(answer.flowControlledStaffIdList),
        invalidRecipients: listLength(answer.invalidStaffIdList),
        filteredRecipients: listLength(answer.filteredStaffIdList),
      };
      if (unreached.flowControlled + unreached.invalidRecipients + unreached.filteredRecipients > 0) {
        this.fail({ api: 'openapi', status: 200, ...unreached }, `DingTalk OpenAPI ${path} did not reach the recipient`);
      }
      this.options.onAnswer?.('openapi', 'ok');
      return answer;
    } catch (error) {
      if (error instanceof BotError && error.cause instanceof DingTalkError && error.cause.answer.status === 401) {
        await this.tokens.forget(app.appKey);
      }
      throw error;
    }
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

  /** One request: allowed origin, timeout, JSON; a non-2xx answer is a classified failure. */
  private async send(
    api: DingTalkApi,
    target: string,
    request: { method: string; body: Json; headers?: Record<string, string> },
  ): Promise<{ status: number; json: Json | undefined }> {
    const url = new URL(target, this.options.apiBaseUrl);
    // A sessionWebhook came from a message: the gateway checked it, and we check again before posting.
    if (url.username || url.password || !this.allowed.has(url.origin)) {
      throw new BotError('fatal', `refused to call ${url.origin}: not an allowed DingTalk origin`);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: { ...jsonHeaders, ...request.headers },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      this.fail({ api }, `DingTalk ${api} could not be reached`, error);
    }
    const json = parseObject(await response.text());
    if (!response.ok) {
      const code = typeof json?.code === 'string' ? json.code : undefined;
      this.fail({ api, status: response.status, code }, `DingTalk ${api} answered HTTP ${response.status} ${code ?? ''}`.trim());
    }
    return { status: response.status, json };
  }

  private fail(answer: DingTalkAnswer, message: string, cause?: unknown): never {
    this.options.onAnswer?.(answer.api, answerResult(answer));
    throw classifyError(new DingTalkError(answer, message, { cause }));
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

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}
