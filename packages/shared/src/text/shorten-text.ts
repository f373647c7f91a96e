/**
 * The text, or its first `maxChars` UTF-16 code units and `ellipsis` when it is longer. Never cut between the two
 * halves of a surrogate pair: half an emoji is a lone surrogate, which renders as garbage and which some JSON
 * parsers refuse.
 */
export function shortenText(text: string, maxChars: number, ellipsis = '…'): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, Math.floor(maxChars));
  const last = text.charCodeAt(end - 1);
  const next = text.charCodeAt(end);
  if (last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) end -= 1;
  return text.slice(0, end) + ellipsis;
}
