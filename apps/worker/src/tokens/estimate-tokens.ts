/**
 * A cheap token estimate for models whose tokenizer we do not have (DeepSeek, Qwen, local models):
 * CJK characters are about one token each, other text about four characters a token. The model's
 * `usage` corrects the rate limiter's count after each call.
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x2e80) cjk += 1;
  }
  const other = text.length - cjk;
  return cjk + Math.ceil(other / 4);
}
