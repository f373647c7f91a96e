/**
 * One text (an answer, an apology) on its way to the chat, by one way of delivering it, chosen by
 * `openDelivery` (`choose-route.ts`). Markdown messages show only the final text; an AI card also
 * shows the answer while the model writes it.
 */
export interface AnswerDelivery {
  /** Whether drafts given to `progress` reach the chat; the model streams its answer only when they do. */
  readonly showsProgress: boolean;
  /**
   * The text as written so far, as a function that gives it in the form the user may see (whatever
   * the final text goes through, a draft goes through too). A model writes a draft per token, a
   * delivery shows a few a second: only the drafts shown are computed. Never waits and never throws:
   * a draft that cannot be shown now is dropped, as the next one carries the whole text again.
   */
  progress(draft: () => string): void;
  /** Delivers the whole text. What an earlier attempt of the same job delivered is not delivered again. */
  finish(text: string): Promise<void>;
  /**
   * This attempt will not finish the text (it failed): no more drafts, and the one in flight has
   * landed when this resolves, so nothing of this attempt arrives after what a later one sends.
   */
  discard(): Promise<void>;
}

/** What `openDelivery` is asked to deliver. */
export interface DeliveryPurpose {
  /** Names the text among the job's deliveries (`answer`, `apology`); delivered parts are recorded under it. */
  label: string;
  /**
   * The text is written gradually (a model's answer), so it may be shown as it grows. Commands,
   * notes and refusals are not: they go out as plain messages.
   */
  gradual: boolean;
}
