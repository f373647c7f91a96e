import type { ChatTokens } from '../tokens/chat-tokens.js';

/** Tokens a provider said a call used, once they are known to be counts. */
export interface ReportedUsage {
  tokens: ChatTokens;
  /** The call's whole count, for the rate window: the provider's total, or input and output when it gave none. */
  total: number;
}

/**
 * More tokens than any one call can use (a million times the largest context windows): a count above it is not
 * believed, and sums of counts stay exact.
 */
const MOST_TOKENS = 2 ** 40;

/** A count as a provider may write it: a non-negative number, whole or not, up to `MOST_TOKENS`. */
function countOf(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MOST_TOKENS) return undefined;
  return Math.round(value);
}

/**
 * The usage a provider reported, if it can be believed: counts of the prompt and of the answer. A provider's reply
 * is not ours to trust (a compatible server, a proxy in front of one): a negative, textual or missing count would
 * make the token counters throw and move the rate window backwards. Such a usage is taken as none, so the caller
 * counts the call with its tokenizer, as for a provider that sends no usage. A total that is not a count, or is
 * smaller than its parts, is replaced by their sum; a cached count that is not one is left out.
 */
export function reportedUsage(input: unknown, output: unknown, total?: unknown, cachedInput?: unknown): ReportedUsage | undefined {
  const [tokensIn, tokensOut] = [countOf(input), countOf(output)];
  if (tokensIn === undefined || tokensOut === undefined) return undefined;
  const whole = countOf(total);
  const cached = countOf(cachedInput);
  return {
    tokens: { input: tokensIn, output: tokensOut, ...(cached !== undefined ? { cachedInput: Math.min(cached, tokensIn) } : {}) },
    total: whole !== undefined && whole >= tokensIn + tokensOut ? whole : tokensIn + tokensOut,
  };
}
