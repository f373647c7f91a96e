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

/**
 * What the playground webhook answers: always HTTP 200 with an errcode, as a DingTalk sessionWebhook
 * does, and with DingTalk's codes, so that a worker reads them as it reads DingTalk's: a session
 * that is gone is a conversation that no longer exists (400013, final), a body it cannot show is
 * refused as sent (40035, final).
 */
export const PLAYGROUND_WEBHOOK_ANSWERS = {
  ok: { errcode: 0, errmsg: 'ok' },
  sessionGone: { errcode: 400013, errmsg: 'playground session does not exist' },
  refused: { errcode: 40035, errmsg: 'not a markdown or text message within 20000 bytes' },
} as const;
