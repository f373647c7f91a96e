import type { DingTalkCallback } from './callback-schema.js';

/**
 * What the user said, as text. Groups deliver `text.content` with the robot's @-mention removed,
 * which leaves a leading space; voice messages carry DingTalk's own transcription in `recognition`.
 * Kinds we cannot read give '' and the worker answers them with a short note instead of silence.
 */
export function extractPrompt(message: Pick<DingTalkCallback, 'msgtype' | 'text' | 'content'>): string {
  switch (message.msgtype) {
    case 'text':
      return (message.text?.content ?? '').trim();
    case 'audio': {
      const recognition = message.content?.recognition;
      return typeof recognition === 'string' ? recognition.trim() : '';
    }
    case 'richText': {
      const parts = message.content?.richText;
      if (!Array.isArray(parts)) return '';
      return parts
        .map((part: unknown) =>
          part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : '',
        )
        .join('')
        .trim();
    }
    default:
      return '';
  }
}
