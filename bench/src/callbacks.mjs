import { randomBytes } from 'node:crypto';
import { buildCallback, DEFAULT_ROBOT_CODE, SESSION_WEBHOOK_LIFETIME_MS, signedHeaders } from '@dtbot/testkit';

/** The AppSecret every process of the bench shares; DingTalk signs callbacks with it. */
export const APP_SECRET = 'bench-app-secret';
export const ROBOT_CODE = DEFAULT_ROBOT_CODE;

/** Unique per bench run, so msgIds never collide with another run's dedupe marks on a shared Redis. */
const RUN_ID = randomBytes(4).toString('hex');

let lastTimestamp = 0;
let lastHeaders;
/**
 * Headers signed with a fresh timestamp, as DingTalk sends them. The signature depends only on the
 * timestamp, so one HMAC per millisecond is enough: the load generator must not become the bottleneck.
 */
export function freshSignedHeaders() {
  const now = Date.now();
  if (now !== lastTimestamp) {
    lastTimestamp = now;
    lastHeaders = signedHeaders(APP_SECRET, now);
  }
  return lastHeaders;
}

/**
 * Bodies for the ack benchmark: full DingTalk robot messages (all fields, so parsing costs what it
 * does in production) from `senders` distinct private chats in turn, each with a unique msgId so
 * no request is taken for a redelivery.
 */
export function createLoadBodies({ label, senders = 1000, webhookOrigin }) {
  const templates = Array.from({ length: senders }, (_, index) =>
    buildCallback({
      senderStaffId: `bench-${label}-${index}`,
      senderNick: `压测用户${index}`,
      sessionWebhook: `${webhookOrigin}/robot/sendBySession?session=bench-${label}-${index}`,
    }),
  );
  let count = 0;
  return function next() {
    count += 1;
    const now = Date.now();
    const msgId = `msgbench.${RUN_ID}.${label}.${count}`;
    const body = JSON.stringify({
      ...templates[count % senders],
      msgId,
      createAt: now,
      sessionWebhookExpiredTime: now + SESSION_WEBHOOK_LIFETIME_MS,
      text: { content: `压测问题 ${count}` },
    });
    return { msgId, body };
  };
}

/**
 * One message of a pipeline scenario, from its own user, whose answer comes back to its own
 * session on the fake DingTalk: the session (`token`) tells which message an answer belongs to.
 */
export function trackedMessage(dingtalk, label, index) {
  const token = `${label}-${RUN_ID}-${index}`;
  const payload = buildCallback({
    msgId: `msgbench.${token}`,
    senderStaffId: `bench-${token}`,
    senderNick: `压测用户${index}`,
    sessionWebhook: dingtalk.sessionWebhook(token),
    text: `问题 ${token}`,
  });
  return { token, body: JSON.stringify(payload) };
}

/** The environment every app of the bench shares: its Redis prefix, the robot, and where DingTalk is. */
export function appEnv(ctx, prefix, dingtalk) {
  return {
    REDIS_URL: ctx.redisUrl,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: ctx.logLevel,
    DINGTALK_APP_KEY: ROBOT_CODE,
    DINGTALK_APP_SECRET: APP_SECRET,
    DINGTALK_WEBHOOK_ORIGINS: dingtalk.origin,
    DINGTALK_API_BASE_URL: dingtalk.apiBaseURL,
    // Figures comparable with runs before queue notices existed: only the notice scenario turns them on.
    QUEUE_NOTICE_AFTER_MS: '0',
  };
}
