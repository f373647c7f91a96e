import type { RedisClient, RedisKeys } from '@dtbot/shared';
import { classifyError } from '../classify-error.js';
import { DingTalkError } from './dingtalk-error.js';

export interface AccessTokenOptions {
  apiBaseUrl: string;
  timeoutMs: number;
}

/** Renew this long before DingTalk's stated expiry, so a token never dies mid-request. */
const EARLY_RENEWAL_SECONDS = 300;

/**
 * App access tokens (`POST /v1.0/oauth2/accessToken`), cached in Redis so every worker shares one
 * token per app instead of each asking DingTalk (the endpoint is rate-limited).
 */
export class AccessTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: AccessTokenOptions,
  ) {}

  async get(appKey: string, appSecret: string): Promise<string> {
    const cached = await this.redis.get(this.keys.accessToken(appKey));
    if (cached) return cached;
    const { accessToken, expireIn } = await this.request(appKey, appSecret);
    const ttl = Math.max(60, expireIn - EARLY_RENEWAL_SECONDS);
    await this.redis.set(this.keys.accessToken(appKey), accessToken, 'EX', ttl);
    return accessToken;
  }

  /** Drops a token DingTalk refused, so the next call fetches a fresh one. */
  async forget(appKey: string): Promise<void> {
    await this.redis.del(this.keys.accessToken(appKey));
  }

  private async request(appKey: string, appSecret: string): Promise<{ accessToken: string; expireIn: number }> {
    let response: Response;
    try {
      response = await fetch(new URL('/v1.0/oauth2/accessToken', this.options.apiBaseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ appKey, appSecret }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw classifyError(new DingTalkError({ api: 'token' }, 'DingTalk access token request failed', { cause: error }));
    }
    const body = (await response.json().catch(() => ({}))) as { accessToken?: string; expireIn?: number; code?: string };
    if (!response.ok || !body.accessToken) {
      const { status } = response;
      const message = `DingTalk refused the access token request (HTTP ${status} ${body.code ?? ''})`.trim();
      throw classifyError(new DingTalkError({ api: 'token', status, code: body.code, malformed: response.ok }, message));
    }
    return { accessToken: body.accessToken, expireIn: body.expireIn ?? 7200 };
  }
}
