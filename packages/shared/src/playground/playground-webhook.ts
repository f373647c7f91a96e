/**
 * A playground message's sessionWebhook names where its answers go, the session and the chat, and is no address:
 * its host is under `.invalid`, a name reserved never to resolve, so no request can reach it. Workers hand a
 * playground answer to the gateways through Redis (`deliverPlaygroundAnswer`), and never post a DingTalk message's
 * answer to such a webhook.
 */
export const PLAYGROUND_WEBHOOK_ORIGIN = 'https://playground.invalid';

/** Every playground webhook starts with it: `<prefix><chat>?session=<session>`. */
export const PLAYGROUND_WEBHOOK_PREFIX = `${PLAYGROUND_WEBHOOK_ORIGIN}/playground/webhook/`;

/** A session id as the gateway draws it: 16 random bytes, base64url. */
export const PLAYGROUND_SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/** A private chat is its user's (`p.<staffId>`); a group is its title's digest (`g.<digest>`). */
export const PLAYGROUND_CHAT_ID = /^(?:p\.[A-Za-z0-9_.-]{1,32}|g\.[A-Za-z0-9_-]{22})$/;

/** Where a playground answer goes: a session's chat. */
export interface PlaygroundTarget {
  sessionId: string;
  chatId: string;
}

/** The webhook of `chatId` in `sessionId`, as the gateway gives a playground message. */
export function playgroundWebhookOf(target: PlaygroundTarget): string {
  const webhook = new URL(`${PLAYGROUND_WEBHOOK_PREFIX}${target.chatId}`);
  webhook.searchParams.set('session', target.sessionId);
  return webhook.href;
}

/**
 * Whether a URL is one of the playground's webhooks. The URL is normalised first (`..` resolved),
 * so a path that climbs out of the webhook path is not one.
 */
export function isPlaygroundWebhook(url: string | URL): boolean {
  try {
    const parsed = new URL(url);
    return !parsed.username && !parsed.password && parsed.href.startsWith(PLAYGROUND_WEBHOOK_PREFIX);
  } catch {
    return false;
  }
}

/** The session and chat a playground webhook names; undefined for anything else, or ids not of their forms. */
export function playgroundTargetOf(url: string): PlaygroundTarget | undefined {
  if (!isPlaygroundWebhook(url)) return undefined;
  const parsed = new URL(url);
  const chatId = parsed.pathname.slice(new URL(PLAYGROUND_WEBHOOK_PREFIX).pathname.length);
  const sessionId = parsed.searchParams.get('session') ?? '';
  if (!PLAYGROUND_CHAT_ID.test(chatId) || !PLAYGROUND_SESSION_ID.test(sessionId)) return undefined;
  return { sessionId, chatId };
}
