import { shortenText } from '@dtbot/shared';
import type { SensitiveWords } from '../moderation/sensitive-words.js';

/**
 * At most this many characters of what a user wrote are said back (a longer text ends in `…`): a command word or a
 * persona name (32 at most) fits with room, and an echo never grows past a line of the chat.
 */
export const ECHO_CHARS = 64;

/** User text made safe to say back, as inline code; only `echoUserText` makes one. */
export type Echo = string & { readonly echoed: unique symbol };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Control characters and line breaks: an echo stays on its line. */
const LINE_BREAKING = /[\p{Cc}\u2028\u2029]/gu;

/**
 * What a user wrote, as a canned reply may say it back: masked like an answer (before the cut, so a word across
 * the cut is masked too), on one line, well-formed, cut to `ECHO_CHARS`, and as inline code so that markdown in it
 * (a link, a picture, bold) shows as the characters typed. A backtick would end the code, so it shows as `ˋ`.
 */
export function echoUserText(text: string, sensitiveWords: Pick<SensitiveWords, 'mask'>): Echo {
  const shown = sensitiveWords.mask(text).replace(LONE_SURROGATE, '\ufffd').replace(LINE_BREAKING, '\ufffd').replaceAll('`', 'ˋ');
  return `\`${shortenText(shown, ECHO_CHARS)}\`` as Echo;
}
