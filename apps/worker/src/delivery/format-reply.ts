import { shortenText, type MessageJob } from '@dtbot/shared';
import { toDingTalkMarkdown } from './dingtalk-markdown.js';

/** The markdown message DingTalk receives; the same content goes through the webhook or the OpenAPI. */
export interface ReplyMessage {
  title: string;
  text: string;
  /** Org user ids to @-mention (groups only). */
  atUserIds: string[];
}

const TITLE_CHARS = 24;
/**
 * The title is read from the text's start only: the picture pattern scans ahead from every `![`, so on a whole
 * text of many `![](` (100,000 characters took seconds) it is quadratic; 1,000 characters hold any first line a
 * title shows, bar one that starts with that much markup.
 */
const TITLE_SCAN_CHARS = 1000;

/**
 * One part of a text as the markdown message DingTalk is sent: its text adapted to DingTalk's markdown
 * (`toDingTalkMarkdown`), its title the plain first line. In a group the asker is @-mentioned twice
 * over, as DingTalk needs both: `at.atUserIds` makes the notification, `@userId` in the text renders
 * the highlight. External users have no staff id and are not mentioned, nor is the admin behind a scheduled
 * prompt's post: nobody asked it just now.
 */
export function formatReply(
  job: Pick<MessageJob, 'conversationType' | 'senderStaffId' | 'schedule'>,
  text: string,
  part?: { index: number; count: number },
): ReplyMessage {
  const isGroup = job.conversationType === '2';
  const mention = isGroup && job.senderStaffId && job.schedule === undefined ? job.senderStaffId : undefined;
  const label = part && part.count > 1 ? `(${part.index + 1}/${part.count}) ` : '';
  // A picture has no words for the notification: it shows as [图片], as DingTalk shows pictures.
  const head = text.slice(0, TITLE_SCAN_CHARS);
  const plain = head.replace(/!\[[^\]]*\]\([^)]*\)/g, '\u0001').replace(/[#>*`_\[\]]/g, '').replaceAll('\u0001', '[图片]');
  const firstLine = plain.trim().split('\n')[0] ?? '';
  const title = `${label}${shortenText(firstLine, TITLE_CHARS, '')}` || 'AI';
  return {
    title,
    text: mention ? `${toDingTalkMarkdown(text)}\n\n@${mention}` : toDingTalkMarkdown(text),
    atUserIds: mention ? [mention] : [],
  };
}
