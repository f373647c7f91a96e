import { randomBytes } from 'node:crypto';
import { isRecord, parseJson } from './http-json.js';

/** The topic of robot messages, the one a chat robot subscribes to. */
export const ROBOT_MESSAGE_TOPIC = '/v1.0/im/bot/messages/get';

export type StreamFrameType = 'SYSTEM' | 'EVENT' | 'CALLBACK';

/** A frame as DingTalk's Stream server sends it: `data` is a JSON document serialised as a string. */
export interface StreamFrame {
  specVersion: '1.0';
  type: StreamFrameType;
  headers: Record<string, string>;
  data: string;
}

/** Shaped like DingTalk's own ids (`212ca9d7_974_1898c159aa6_1783b`); a new one for every push. */
export function newMessageId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  return `${hex(4)}_${parseInt(hex(1), 16)}_${Date.now().toString(16)}_${hex(2)}`;
}

export function buildFrame(
  type: StreamFrameType,
  topic: string,
  data: string,
  headers: Record<string, string> = {},
): StreamFrame {
  return {
    specVersion: '1.0',
    type,
    headers: { contentType: 'application/json', time: String(Date.now()), topic, ...headers },
    data,
  };
}

/** A client's answer to one frame, as it must look (protocol: code, headers.messageId, message, data). */
export interface StreamAck {
  code: number;
  messageId: string;
  message: string;
  /** The `data` string as sent. */
  data: string;
}

/**
 * Reads a client frame as an ACK, or says what is wrong with it: `code` a number,
 * `headers.messageId` and `headers.contentType` strings, `message` a string, `data` a *string*.
 */
export function readAck(text: string): StreamAck | string {
  const frame = parseJson(text);
  if (!isRecord(frame)) return 'ACK is not a JSON object';
  const { code, headers, message, data } = frame;
  if (typeof code !== 'number') return 'ACK code is not a number';
  if (!isRecord(headers) || typeof headers.messageId !== 'string') return 'ACK has no headers.messageId';
  if (headers.contentType !== 'application/json') return 'ACK headers.contentType is not application/json';
  if (typeof message !== 'string') return 'ACK message is not a string';
  if (typeof data !== 'string') return 'ACK data is not a string (it must be JSON serialised as a string)';
  return { code, messageId: headers.messageId, message, data };
}
