/**
 * A `sessionWebhook` is a URL we will POST to later, so it is only trusted when it points at DingTalk:
 * same scheme, host and port as one of the configured origins (`DINGTALK_WEBHOOK_ORIGINS`).
 */
export function isAllowedWebhook(webhook: string, allowedOrigins: readonly string[]): boolean {
  let origin: string;
  try {
    const url = new URL(webhook);
    if (url.username || url.password) return false;
    origin = url.origin;
  } catch {
    return false;
  }
  return allowedOrigins.includes(origin);
}

/** Normalises configured origins (`https://oapi.dingtalk.com/` → `https://oapi.dingtalk.com`). */
export function normaliseOrigins(origins: readonly string[]): string[] {
  return origins.map((origin) => new URL(origin).origin);
}
