/** Markdown markup, punctuation DingTalk may render differently, and every kind of space. */
const NOISE = /[\s*_`#>~|[\]()!-]+/gu;
const LEADING_MENTIONS = /^(?:\s*@\S+)+/u;

/**
 * The opening words of a text as a quote of it can be compared: @-mentions at its start, markdown markup and spaces
 * removed, lower case, at most `length` characters (whole code points: a cut never splits a surrogate pair).
 */
export function quoteHead(text: string, length: number): string {
  const words = text.replace(LEADING_MENTIONS, '').replace(NOISE, '').toLowerCase();
  return [...words].slice(0, length).join('');
}
