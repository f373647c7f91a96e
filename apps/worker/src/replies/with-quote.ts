/**
 * The question as the model is asked it: the message the user quoted (a reply-to) first, as a
 * markdown quote, then what they wrote. A quote with nothing written is asked about as it is.
 */
export function withQuote(question: string, quote: string | undefined): string {
  if (!quote) return question;
  const quoted = ['引用的消息：', ...quote.split('\n')].map((line) => `> ${line}`).join('\n');
  return question ? `${quoted}\n\n${question}` : quoted;
}
