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

/** Code points counted at a time: a tokenizer's cost grows faster than the length of a run without spaces. */
const PIECE = 256;

/**
 * The text cut to `budget` tokens as the model's tokenizer counts them (whole code points, a note saying it
 * was cut). Counted in pieces (the sum of the pieces' counts is never below the whole's in practice, and the
 * cut is checked whole at the end), so a result of any size costs about as much as the budget it is cut to.
 */
export function cutToTokens(tokens: TokenCounter, text: string, budget = TOOL_RESULT_MAX_TOKENS): string {
  const count = (piece: string) => tokens.message(piece) - MESSAGE_FRAMING_TOKENS;
  const limit = budget * MAX_CHARS_PER_TOKEN;
  const characters = Array.from(text.slice(0, limit));
  if (text.length <= limit && prefixWithin(count, characters, budget) === characters.length && count(text) <= budget) return text;
  let kept = prefixWithin(count, characters, budget - count(CUT_NOTE));
  let cut = `${characters.slice(0, kept).join('')}${CUT_NOTE}`;
  // The note may count differently next to the text than alone.
  while (kept > 0 && count(cut) > budget) {
    kept = Math.floor(kept * 0.9);
    cut = `${characters.slice(0, kept).join('')}${CUT_NOTE}`;
  }
  return cut;
}

/** How many of the characters, from the start, fit in `room` tokens: whole pieces first, then within the next. */
function prefixWithin(count: (text: string) => number, characters: readonly string[], room: number): number {
  let used = 0;
  for (let start = 0; start < characters.length; start += PIECE) {
    const piece = characters.slice(start, start + PIECE);
    const cost = count(piece.join(''));
    if (used + cost <= room) {
      used += cost;
      continue;
    }
    let low = 0;
    let high = piece.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (used + count(piece.slice(0, middle).join('')) <= room) low = middle;
      else high = middle - 1;
    }
    return start + low;
  }
  return characters.length;
}
