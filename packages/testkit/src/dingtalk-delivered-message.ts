import { isRecord } from './http-json.js';

export type DeliveryRoute = 'webhook' | 'openapi';

/** One message that reached the chat, whichever way it was sent. */
export interface DeliveredMessage {
  route: DeliveryRoute;
  /** Webhook `msgtype` (`text`, `markdown`, …) or OpenAPI `msgKey` (`sampleText`, `sampleMarkdown`, …). */
  kind: string;
  /** What a reader sees: text content, markdown text, or the text of a link/actionCard. */
  text: string;
  title?: string;
  /** Webhook `at.atUserIds`; the OpenAPI robot send has no @ list. */
  atUserIds?: string[];
  /** Webhook session id, group `openConversationId`, or the comma-joined `userIds` of a 1:1 batch send. */
  target: string;
  receivedAt: number;
}

interface ReadableText {
  text: string;
  title?: string;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

function readable(record: Record<string, unknown>, textKey: string): ReadableText {
  const title = stringField(record, 'title');
  return { text: stringField(record, textKey) ?? '', ...(title === undefined ? {} : { title }) };
}

/** The readable part of a sessionWebhook body (text, markdown, link, actionCard or feedCard). */
export function webhookBodyText(body: Record<string, unknown>): ReadableText {
  const msgtype = typeof body.msgtype === 'string' ? body.msgtype : '';
  const payload = body[msgtype];
  if (!isRecord(payload)) return { text: '' };
  if (msgtype === 'text') return readable(payload, 'content');
  if (msgtype === 'feedCard') {
    const links = Array.isArray(payload.links) ? payload.links : [];
    return { text: links.map((link) => (isRecord(link) ? (stringField(link, 'title') ?? '') : '')).join('\n') };
  }
  return readable(payload, 'text');
}

export function webhookAtUserIds(body: Record<string, unknown>): string[] | undefined {
  const at = body.at;
  if (!isRecord(at) || !Array.isArray(at.atUserIds)) return undefined;
  return at.atUserIds.filter((id): id is string => typeof id === 'string');
}

/** The readable part of an OpenAPI `msgParam` once parsed (`content` for sampleText, `text` for the others). */
export function msgParamText(msgParam: Record<string, unknown>): ReadableText {
  return 'content' in msgParam ? readable(msgParam, 'content') : readable(msgParam, 'text');
}
