import type { DingTalkCallback } from './callback-schema.js';

type WithPictures = Pick<DingTalkCallback, 'msgtype' | 'content'>;

/** Pictures kept per message: DingTalk lets a user put at most nine in one; the rest are not stored. */
export const MAX_PICTURES = 9;

/**
 * The download codes of the pictures a message carries, in order: a `picture` message's one, or each
 * picture segment of `richText`. A picture segment carries `downloadCode` and, in some payloads, only
 * `pictureDownloadCode`; either downloads the picture (`POST /v1.0/robot/messageFiles/download`).
 */
export function extractPictures(message: WithPictures): string[] {
  const content = message.content;
  if (!content) return [];
  const codes =
    message.msgtype === 'picture'
      ? [downloadCodeOf(content)]
      : message.msgtype === 'richText' && Array.isArray(content.richText)
        ? content.richText.map((segment: unknown) => (isPictureSegment(segment) ? downloadCodeOf(segment) : undefined))
        : [];
  return [...new Set(codes.filter((code): code is string => code !== undefined))].slice(0, MAX_PICTURES);
}

function isPictureSegment(segment: unknown): segment is Record<string, unknown> {
  return typeof segment === 'object' && segment !== null && (segment as Record<string, unknown>).type === 'picture';
}

function downloadCodeOf(part: Record<string, unknown>): string | undefined {
  for (const key of ['downloadCode', 'pictureDownloadCode']) {
    const code = part[key];
    if (typeof code === 'string' && code.trim() !== '') return code.trim();
  }
  return undefined;
}
