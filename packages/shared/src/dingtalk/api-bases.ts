/** DingTalk's own OpenAPI: the default of `DINGTALK_API_BASE_URL`. */
export const DINGTALK_API_BASE = 'https://api.dingtalk.com';

/** DingTalk's legacy OpenAPI (`/gettoken`, `/media/upload`), which DingTalk serves on a host of its own. */
export const DINGTALK_LEGACY_API_BASE = 'https://oapi.dingtalk.com';

/** Whether `apiBaseUrl` is DingTalk's own OpenAPI rather than a proxy or a fake standing in for it. */
export function isDingTalkOwnApi(apiBaseUrl: string): boolean {
  return new URL(apiBaseUrl).origin === DINGTALK_API_BASE;
}

/**
 * Where the legacy OpenAPI is reached: DingTalk's legacy host beside DingTalk's own OpenAPI; any other base (a
 * proxy, a fake in tests) stands in for DingTalk as a whole, so it serves the legacy routes too.
 */
export function legacyApiBaseFor(apiBaseUrl: string): string {
  return isDingTalkOwnApi(apiBaseUrl) ? DINGTALK_LEGACY_API_BASE : apiBaseUrl;
}
