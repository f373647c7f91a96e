import type { DingTalkCallback } from './callback-schema.js';

type WithFile = Pick<DingTalkCallback, 'msgtype' | 'content' | 'text'>;

/** A file a message carries or quotes: what downloads it, and the name the user sees. */
export interface MessageFile {
  downloadCode: string;
  fileName: string;
  /** The file is in the message this one replies to, not in this one. */
  quoted?: boolean;
}

/** Longer names are cut: a name is shown, never parsed, and a job stays small. */
export const MAX_FILE_NAME_LENGTH = 255;

/**
 * The file of a `file` message (`content: {downloadCode, fileName, fileId, spaceId}`), or of the message a
 * text replies to when that one is a file (`text.repliedMsg` with `msgType: 'file'` and a `downloadCode` in
 * its content). `undefined` when there is none, or no download code to fetch it with.
 */
export function extractFile(message: WithFile): MessageFile | undefined {
  if (message.msgtype === 'file') return fileOf(message.content);
  const replied = message.text?.isReplyMsg === false ? undefined : message.text?.repliedMsg;
  if (!isRecord(replied) || replied.msgType !== 'file') return undefined;
  const file = fileOf(replied.content);
  return file ? { ...file, quoted: true } : undefined;
}

function fileOf(content: unknown): MessageFile | undefined {
  if (!isRecord(content)) return undefined;
  const code = content.downloadCode;
  if (typeof code !== 'string' || code.trim() === '') return undefined;
  const name = typeof content.fileName === 'string' ? content.fileName.slice(0, MAX_FILE_NAME_LENGTH) : '';
  return { downloadCode: code.trim(), fileName: name };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
