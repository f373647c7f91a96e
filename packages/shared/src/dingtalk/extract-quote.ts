import { shortenText } from '../text/shorten-text.js';
import type { DingTalkCallback } from './callback-schema.js';

type WithQuote = Pick<DingTalkCallback, 'text' | 'content' | 'quoteMessage'>;

/** A quote is context, not the question: a long one is cut here. */
export const MAX_QUOTE_CHARS = 2000;

/** What a quoted message that is not text is shown as. */
const PLACEHOLDERS: Record<string, string> = {
  picture: '[图片]',
  audio: '[语音]',
  video: '[视频]',
  file: '[文件]',
  interactiveCard: '[卡片]',
  richText: '[图文消息]',
};

/**
 * The text of the message this one quotes (a reply-to), if any. DingTalk does not document it; the
 * shapes DingTalk's clients send, as the bots built on its Stream SDKs read them:
 * `text.isReplyMsg` with `text.repliedMsg` (`msgType`, `content`: `{text}` or `{content}` for text,
 * `{richText: [...]}`, `{summary, title}` for a chat record, nothing for a card or a file), older
 * payloads' `quoteMessage.text.content`, and `content.quoteContent`.
 */
export function extractQuote(message: WithQuote): string | undefined {
  const replied = message.text?.isReplyMsg === false ? undefined : message.text?.repliedMsg;
  const text = (replied !== undefined ? repliedText(replied) : undefined) ?? legacyQuote(message);
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  return shortenText(trimmed, MAX_QUOTE_CHARS);
}

function repliedText(replied: unknown): string | undefined {
  if (!isRecord(replied)) return undefined;
  const type = typeof replied.msgType === 'string' ? replied.msgType : undefined;
  const content = replied.content;
  if (typeof content === 'string') return content;
  if (isRecord(content)) {
    const text = stringOf(content.text) ?? stringOf(content.content) ?? richTextOf(content.richText);
    if (text) return text;
    const record = [stringOf(content.title), stringOf(content.summary)].filter(Boolean).join('\n');
    if (record) return record;
    if (type === 'file' && stringOf(content.fileName)) return `[文件] ${stringOf(content.fileName)}`;
  }
  return type ? PLACEHOLDERS[type] : undefined;
}

function richTextOf(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  const text = parts
    .map((part: unknown) => {
      if (!isRecord(part)) return '';
      const kind = stringOf(part.msgType) ?? stringOf(part.type);
      if (kind === 'picture') return PLACEHOLDERS.picture;
      if (kind === 'at') return `@${stringOf(part.atName) ?? stringOf(part.content) ?? ''}`;
      return stringOf(part.text) ?? stringOf(part.content) ?? '';
    })
    .join('');
  return text.trim() ? text : undefined;
}

function legacyQuote(message: WithQuote): string | undefined {
  const quoted = message.quoteMessage;
  if (isRecord(quoted) && isRecord(quoted.text)) {
    const text = stringOf(quoted.text.content);
    if (text) return text;
  }
  return stringOf(message.content?.quoteContent);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
