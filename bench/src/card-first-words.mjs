import { percentile, round } from './stats.mjs';

/** The question a card answers: the bench's answers start by naming it (`答复: <question>`). */
const questionOf = (card) => /^答复: (\S+ \S+)/.exec(card.updates.at(-1)?.content ?? '')?.[1];

/**
 * How long after the model's first token each card first showed words: the arrival (by the fake
 * DingTalk's clock) of its first streaming update with text, minus `firstTokenAt(question)`. Also
 * counts the cards whose first words came only with their final update, and cards that could not be
 * matched to a question (none expected).
 */
export function firstWords(cards, firstTokenAt) {
  const delays = [];
  let onlyFinal = 0;
  let unmatched = 0;
  for (const card of cards) {
    const tokenAt = firstTokenAt(questionOf(card));
    const first = card.updates.find((update) => update.content.trim() !== '');
    if (tokenAt === undefined || !first) {
      unmatched += 1;
      continue;
    }
    if (first.isFinalize) onlyFinal += 1;
    delays.push(first.receivedAt - tokenAt);
  }
  return { cards: delays.length, p50Ms: round(percentile(delays, 50)), maxMs: round(delays.length ? Math.max(...delays) : undefined), onlyFinal, unmatched };
}
