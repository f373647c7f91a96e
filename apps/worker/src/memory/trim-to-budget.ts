export interface Turn {
  role: 'user' | 'assistant';
  content: string;
  /** What this turn costs in a request, counted once when it was stored (`TokenCounter.message`). */
  tokens: number;
}

/**
 * Keeps the newest turns that fit in `budget` tokens, dropping the oldest first, and never leaves
 * an assistant turn without the question before it.
 */
export function trimToBudget(turns: readonly Turn[], budget: number): Turn[] {
  let used = 0;
  let start = turns.length;
  while (start > 0) {
    const cost = turns[start - 1]!.tokens;
    if (used + cost > budget) break;
    used += cost;
    start -= 1;
  }
  while (start < turns.length && turns[start]!.role === 'assistant') start += 1;
  return turns.slice(start);
}
