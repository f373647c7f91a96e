/**
 * One text (an answer, an apology) on its way to the chat, by one way of delivering it, chosen by
 * `openDelivery` (`choose-route.ts`). Markdown messages show only the final text; an AI card would
 * also show the answer while the model writes it.
 */
export interface AnswerDelivery {
  /** The text as written so far; a way of delivering that cannot show a draft ignores it. */
  progress(textSoFar: string): Promise<void>;
  /** Delivers the whole text. What an earlier attempt of the same job delivered is not delivered again. */
  finish(text: string): Promise<void>;
}
