import type { RedisClient, RedisKeys } from '@dtbot/shared';

/** A token as DingTalk issues it (`POST /v1.0/oauth2/accessToken`). */
export interface IssuedToken {
  accessToken: string;
  /** Seconds it stays valid. */
  expireIn: number;
}

/**
 * Which of DingTalk's two token families: the new OpenAPI's (`x-acs-dingtalk-access-token`) or the
 * legacy `oapi` endpoints' (`?access_token=`, for the media upload). Each is cached on its own.
 */
export type TokenScope = 'openapi' | 'oapi';

/** Renew this long before DingTalk's stated expiry, so a token never dies mid-request. */
const EARLY_RENEWAL_SECONDS = 300;

/**
 * App access tokens cached in Redis, one per app, so every worker shares one token instead of each
 * asking DingTalk (the endpoint is rate-limited). The request itself is the DingTalk client's.
 */
export class AccessTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async get(appKey: string, issue: () => Promise<IssuedToken>, scope: TokenScope = 'openapi'): Promise<string> {
    const key = this.keyOf(appKey, scope);
    const cached = await this.redis.get(key);
    if (cached) return cached;
    const { accessToken, expireIn } = await issue();
    const ttl = Math.max(60, expireIn - EARLY_RENEWAL_SECONDS);
    await this.redis.set(key, accessToken, 'EX', ttl);
    return accessToken;
  }

  /** Drops a token DingTalk refused, so the next call fetches a fresh one. */
  async forget(appKey: string, scope: TokenScope = 'openapi'): Promise<void> {
    await this.redis.del(this.keyOf(appKey, scope));
  }

  private keyOf(appKey: string, scope: TokenScope): string {
    return scope === 'oapi' ? this.keys.legacyAccessToken(appKey) : this.keys.accessToken(appKey);
  }
}
