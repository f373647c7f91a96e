import type { DingTalkCallback } from './callback-schema.js';

type Readable = Pick<DingTalkCallback, 'msgtype' | 'text' | 'content'>;

/**
 * The message kinds we can read, each with where its text is: the one list of them. Groups deliver
 * `text.content` with the robot's @-mention removed, which leaves a leading space; voice messages
 * carry DingTalk's own transcription in `recognition`; rich text joins its text parts.
 */
const READERS: Record<string, (message: Readable) => string> = {
  text: (message) => message.text?.content ?? '',
  audio: (message) => {
    const recognition = message.content?.recognition;
    return typeof recognition === 'string' ? recognition : '';
  },
  richText: (message) => {
    const parts = message.content?.richText;
    if (!Array.isArray(parts)) return '';
    return parts
      .map((part: unknown) => (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : ''))
      .join('');
  },
};

/** Whether we can read this kind of message at all (pictures, files and videos we cannot, yet). */
export function isReadableKind(msgtype: string): boolean {
  return Object.hasOwn(READERS, msgtype);
}

/**
 * What the user said, as trimmed text. Kinds we cannot read give '', and the worker answers them
 * with a short note instead of silence.
 */
export function extractPrompt(message: Readable): string {
  return isReadableKind(message.msgtype) ? READERS[message.msgtype]!(message).trim() : '';
}
