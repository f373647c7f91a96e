import type { IncomingMessage, ServerResponse } from 'node:http';
import { webhookAtUserIds, webhookBodyText } from './dingtalk-delivered-message.js';
import { sendRefusal } from './fake-dingtalk-refusal.js';
import type { FakeDingTalkState } from './fake-dingtalk-state.js';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';

export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 20_000;

/** Message kinds a sessionWebhook can carry and the keys each must have. */
const REQUIRED_KEYS: Record<string, readonly string[]> = {
  text: ['content'],
  markdown: ['title', 'text'],
  actionCard: ['title', 'text'],
  link: ['title', 'text', 'messageUrl'],
  feedCard: ['links'],
};

/** Why a webhook body would be refused, or undefined when it is acceptable. */
function bodyProblem(body: Record<string, unknown>): { errcode: number; errmsg: string } | undefined {
  const msgtype = typeof body.msgtype === 'string' ? body.msgtype : '';
  const required = REQUIRED_KEYS[msgtype];
  if (!required) return { errcode: 400105, errmsg: `不支持的消息类型 ${msgtype}` };
  const payload = body[msgtype];
  const missing = required.find((key) => !isRecord(payload) || payload[key] === undefined);
  return missing === undefined ? undefined : { errcode: 40035, errmsg: `缺少参数 ${msgtype}.${missing}` };
}

/**
 * `POST /robot/sendBySession?session=<id>`. Like DingTalk, business errors come back as HTTP 200 with
 * a non-zero errcode; the expired-session errcode 300001 is a stand-in (the real one is unconfirmed).
 */
export async function handleSessionWebhook(
  state: FakeDingTalkState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const session = url.searchParams.get('session') ?? '';
  const raw = await readBody(req);
  const receivedAt = Date.now();
  const reject = (errcode: number, errmsg: string, body: unknown) => {
    state.webhookRejections.push({ session, errcode, errmsg, body, receivedAt });
    sendJson(res, 200, { errcode, errmsg });
  };

  const limit = state.behaviour.maxWebhookBodyBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  if (raw.length > limit) {
    return reject(40035, `body 大小不合法，请保持大小在 ${limit}bytes 以内 (got ${raw.length})`, undefined);
  }
  const body = parseJson(raw);
  const refusal = state.refusals.webhook.shift();
  if (refusal && 'errcode' in refusal) return reject(refusal.errcode, refusal.errmsg ?? 'refused', body);
  if (refusal) return sendRefusal(res, refusal);
  if (!session) return reject(40035, '缺少参数 session', body);
  if (state.expiredSessions.has(session)) return reject(300001, 'session expired', body);
  if (!isRecord(body)) return reject(40035, '缺少参数 json', body);
  const problem = bodyProblem(body);
  if (problem) return reject(problem.errcode, problem.errmsg, body);

  state.deliverableWebhookPosts += 1;
  const every = state.behaviour.errcodeEvery;
  if (every && every.n > 0 && state.deliverableWebhookPosts % every.n === 0) {
    return reject(every.errcode, every.errmsg, body);
  }

  state.webhookMessages.push({ session, body, receivedAt });
  const atUserIds = webhookAtUserIds(body);
  state.delivered.push({
    route: 'webhook',
    kind: String(body.msgtype),
    ...webhookBodyText(body),
    ...(atUserIds === undefined ? {} : { atUserIds }),
    target: session,
    receivedAt,
  });
  sendJson(res, 200, { errcode: 0, errmsg: 'ok' });
}
