/** Tokens of one chat call, as the provider counted them (or our tokenizer, when it did not say). */
export interface ChatTokens {
  input: number;
  output: number;
  /** Input tokens the provider read from its prompt cache (cheaper where a price table knows their rate). */
  cachedInput?: number | undefined;
}
