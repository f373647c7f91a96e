import type { TokenCounter } from '../tokens/token-counter.js';
import { MESSAGE_FRAMING_TOKENS } from '../tokens/token-counter.js';

/** What a tool's result is told to the model as, at most. */
export const TOOL_RESULT_MAX_TOKENS = 2000;
/** No tokenizer is shown more than this many characters per token allowed: the rest could never fit. */
const MAX_CHARS_PER_TOKEN = 16;
const CUT_NOTE = '\n…[cut: the result was longer]';

interface ContentPart {
  type: string;
  text?: unknown;
  resource?: unknown;
  mimeType?: unknown;
}

/** A tool result's content as text for the model: its text parts, a note for what it cannot read (pictures, audio). */
export function resultText(content: readonly ContentPart[]): string {
  return content
    .map((part) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      if (part.type === 'resource' && typeof part.resource === 'object' && part.resource !== null) {
        const text = (part.resource as { text?: unknown }).text;
        if (typeof text === 'string') return text;
      }
      return `[${part.type}${typeof part.mimeType === 'string' ? ` ${part.mimeType}` : ''} not shown]`;
    })
    .join('\n');
}

/**
 * The text cut to `budget` tokens as the model's tokenizer counts them (whole code points, a note saying it
 * was cut): the longest prefix that fits, found by halving, so a result of any size costs a few counts.
 */
export function cutToTokens(tokens: TokenCounter, text: string, budget = TOOL_RESULT_MAX_TOKENS): string {
  const count = (piece: string) => tokens.message(piece) - MESSAGE_FRAMING_TOKENS;
  if (text.length <= budget && count(text) <= budget) return text;
  const characters = Array.from(text.slice(0, budget * MAX_CHARS_PER_TOKEN + 1));
  if (characters.length <= budget * MAX_CHARS_PER_TOKEN && count(text) <= budget) return text;
  const room = budget - count(CUT_NOTE);
  let low = 0;
  let high = characters.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (count(characters.slice(0, middle).join('')) <= room) low = middle;
    else high = middle - 1;
  }
  return `${characters.slice(0, low).join('')}${CUT_NOTE}`;
}
