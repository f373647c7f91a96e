/**
 * A cheap token estimate, good enough for budgets: CJK characters are about one token each,
 * other text about four characters a token. Real counts come back in the model's `usage`.
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x2e80) cjk += 1;
  }
  const other = text.length - cjk;
  return cjk + Math.ceil(other / 4) + 4; // +4: per-message framing of the chat format
}
