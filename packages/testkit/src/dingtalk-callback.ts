import { createHash, randomBytes } from 'node:crypto';
import { sign } from '@dtbot/shared';

export interface AtUser {
  dingtalkId: string;
  staffId?: string;
}

/** A robot message as DingTalk posts it or pushes it (docs/dingtalk-protocol.md), text or any other msgtype. */
export interface DingTalkCallbackPayload {
  msgtype: string;
  text?: { content: string };
  content?: Record<string, unknown>;
  msgId: string;
  createAt: number;
  conversationType: '1' | '2';
  conversationId: string;
  conversationTitle?: string;
  senderId: string;
  senderNick: string;
  senderCorpId?: string;
  senderStaffId?: string;
  chatbotUserId: string;
  chatbotCorpId?: string;
  robotCode?: string;
  isAdmin?: boolean;
  isInAtList?: boolean;
  atUsers?: AtUser[];
  senderPlatform?: string;
  sessionWebhook: string;
  sessionWebhookExpiredTime: number;
}

/**
 * Any field may be overridden; `undefined` removes it from the JSON (e.g. `senderStaffId: undefined`
 * for an external user). `text` also takes a plain string.
 */
export type CallbackOverrides = Omit<Partial<DingTalkCallbackPayload>, 'text'> & {
  text?: string | { content: string };
};

export const DEFAULT_ROBOT_CODE = 'dingtestrobot';
export const DEFAULT_STAFF_ID = 'user123';
export const DEFAULT_CORP_ID = 'dingtestcorp';
/** How long DingTalk keeps a sessionWebhook usable. */
export const SESSION_WEBHOOK_LIFETIME_MS = 5_400_000;

/**
 * Ids derived from a seed stay the same across calls, so the same user (or group) always lands in
 * the same conversation while tests can still tell different users apart.
 */
function stableId(kind: string, seed: string): string {
  return createHash('sha256').update(`${kind}:${seed}`).digest('base64').slice(0, 22);
}

export function chatbotUserIdFor(robotCode: string): string {
  return `$:LWCP_v1:$${stableId('robot', robotCode)}`;
}

function groupConversationId(title: string): string {
  return `cid${stableId('group', title)}==`;
}

function normaliseText(text: CallbackOverrides['text']): { content: string } | undefined {
  return typeof text === 'string' ? { content: text } : text;
}

/**
 * A 1:1 text message (`conversationType: '1'`, text `你好`) with a fresh `msgId` and sessionWebhook
 * on every call. With a non-text `msgtype` and no `text` override, `text` is left out.
 */
export function buildCallback(overrides: CallbackOverrides = {}): DingTalkCallbackPayload {
  const now = Date.now();
  const robotCode = overrides.robotCode ?? DEFAULT_ROBOT_CODE;
  const staffId = overrides.senderStaffId ?? DEFAULT_STAFF_ID;
  const msgtype = overrides.msgtype ?? 'text';
  const defaultText = msgtype === 'text' ? { content: '你好' } : undefined;
  const text = 'text' in overrides ? normaliseText(overrides.text) : defaultText;
  const session = randomBytes(16).toString('hex');
  return {
    msgtype,
    ...(text === undefined ? {} : { text }),
    msgId: `msg${randomBytes(16).toString('base64')}`,
    createAt: now,
    conversationType: '1',
    conversationId: `cid${stableId('private', `${robotCode}:${staffId}`)}==`,
    senderId: `$:LWCP_v1:$${stableId('user', staffId)}`,
    senderNick: '张三',
    senderCorpId: DEFAULT_CORP_ID,
    senderStaffId: DEFAULT_STAFF_ID,
    chatbotUserId: chatbotUserIdFor(robotCode),
    chatbotCorpId: DEFAULT_CORP_ID,
    robotCode,
    isAdmin: false,
    senderPlatform: 'Mac',
    sessionWebhook: `https://oapi.dingtalk.com/robot/sendBySession?session=${session}`,
    sessionWebhookExpiredTime: now + SESSION_WEBHOOK_LIFETIME_MS,
    ...overrides,
    text,
  };
}

/**
 * A group message that @-mentions the robot: `isInAtList`, the robot in `atUsers`, and the
 * leading space DingTalk leaves where the mention was. A string `text` gets that space prepended;
 * a `{ content }` object is sent verbatim.
 */
export function buildGroupCallback(overrides: CallbackOverrides = {}): DingTalkCallbackPayload {
  const title = overrides.conversationTitle ?? '测试群';
  const chatbotUserId = overrides.chatbotUserId ?? chatbotUserIdFor(overrides.robotCode ?? DEFAULT_ROBOT_CODE);
  const defaultText = (overrides.msgtype ?? 'text') === 'text' ? '你好' : undefined;
  const text = 'text' in overrides ? overrides.text : defaultText;
  return buildCallback({
    conversationType: '2',
    conversationId: groupConversationId(title),
    conversationTitle: title,
    chatbotUserId,
    isInAtList: true,
    atUsers: [{ dingtalkId: chatbotUserId }],
    ...overrides,
    text: typeof text === 'string' ? ` ${text}` : text,
  });
}

// A type alias (not an interface) so it fits `Record<string, string>` header parameters.
export type SignedCallbackHeaders = {
  timestamp: string;
  sign: string;
  'content-type': string;
};

/** The headers DingTalk signs a callback with; pass an old `timestamp` to test staleness. */
export function signedHeaders(secret: string, timestamp: number = Date.now()): SignedCallbackHeaders {
  const ts = String(timestamp);
  return { timestamp: ts, sign: sign(ts, secret), 'content-type': 'application/json; charset=utf-8' };
}
