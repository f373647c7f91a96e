/**
 * The gateway serves as the session webhook of playground messages, under this path of
 * `PLAYGROUND_URL`. Workers post a playground answer there and nowhere else, and never post a
 * DingTalk message's answer there.
 */
export const PLAYGROUND_WEBHOOK_PATH = 'playground/webhook/';

/** `PLAYGROUND_URL` + the webhook path: every playground webhook starts with it. */
export function playgroundWebhookPrefix(playgroundUrl: string): string {
  const base = playgroundUrl.endsWith('/') ? playgroundUrl : `${playgroundUrl}/`;
  return new URL(PLAYGROUND_WEBHOOK_PATH, base).href;
}

/**
 * Whether a URL is one of the playground's webhooks. The URL is normalised first (`..` resolved),
 * so a path that climbs out of the webhook path is not one.
 */
export function isPlaygroundWebhook(url: string | URL, prefix: string): boolean {
  try {
    const parsed = new URL(url);
    return !parsed.username && !parsed.password && parsed.href.startsWith(prefix);
  } catch {
    return false;
  }
}
