import { isDingTalkOwnApi } from './api-bases.js';

/**
 * Where a file a user sent may be downloaded from. DingTalk answers a download code with a
 * short-lived URL on its storage (Alibaba Cloud OSS or a `dingtalk.com` host, varying by bucket and
 * region), so an entry is an origin whose host may start with `*.`: `https://*.aliyuncs.com` allows
 * every subdomain of `aliyuncs.com` over https on port 443.
 */
export const DOWNLOAD_ORIGIN_PATTERN = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(?::(\d{1,5}))?\/?$/i;

/** Whether `url` is on one of the `patterns` (already validated against `DOWNLOAD_ORIGIN_PATTERN`). */
export function isAllowedDownload(url: URL, patterns: readonly string[]): boolean {
  if (url.username || url.password) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  return patterns.some((pattern) => {
    const match = DOWNLOAD_ORIGIN_PATTERN.exec(pattern);
    if (!match) return false;
    const [, scheme, wildcard, patternHost, patternPort] = match;
    if (`${scheme!.toLowerCase()}:` !== url.protocol) return false;
    if ((patternPort ?? (scheme!.toLowerCase() === 'https' ? '443' : '80')) !== port) return false;
    const expected = patternHost!.toLowerCase();
    return wildcard ? host.endsWith(`.${expected}`) : host === expected;
  });
}

/**
 * DingTalk's storage, from which a file a user sent is downloaded beside DingTalk's own OpenAPI: its Alibaba Cloud
 * OSS buckets and its own hosts.
 */
export const DINGTALK_DOWNLOAD_ORIGINS: readonly string[] = ['https://*.dingtalk.com', 'https://*.aliyuncs.com'];

/**
 * Where downloads may come from, for an OpenAPI at `apiBaseUrl`: DingTalk's storage, and, when the base is not
 * DingTalk's own (a proxy or a fake standing in for DingTalk), that base's origin too, which then hands out the
 * download URLs and may serve them.
 */
export function downloadOriginsFor(apiBaseUrl: string): string[] {
  if (isDingTalkOwnApi(apiBaseUrl)) return [...DINGTALK_DOWNLOAD_ORIGINS];
  return [...DINGTALK_DOWNLOAD_ORIGINS, new URL(apiBaseUrl).origin];
}
