/**
 * What a job delivers, each recorded under its own name: the model's answer (or a command's reply),
 * the apology of a job that failed, and the queue notice of a message still waiting.
 */
export type DeliveryLabel = 'answer' | 'apology' | 'notice';

/**
 * One text (an answer, an apology) on its way to the chat, by one way of delivering it, chosen by
 * `openDelivery` (`choose-route.ts`). Markdown messages show only the final text; an AI card also
 * shows the answer while the model writes it.
 */
export interface AnswerDelivery {
  /** How the text goes out: into an AI card, or as markdown messages. */
  readonly via: 'card' | 'message';
  /** Whether drafts given to `progress` reach the chat; the model streams its answer only when they do. */
  readonly showsProgress: boolean;
  /** The AI card's `outTrackId` when the text goes into one: its buttons name the answer by it. */
  readonly outTrackId?: string | undefined;
  /**
   * The text as written so far, as a function that gives it in the form the user may see (whatever
   * the final text goes through, a draft goes through too). A model writes a draft per token, a
   * delivery shows a few a second: only the drafts shown are computed. Never waits and never throws:
   * a draft that cannot be shown now is dropped, as the next one carries the whole text again.
   */
  progress(draft: () => string): void;
  /**
   * Delivers the whole text. What an earlier attempt of the same job delivered is not delivered again. `stopped`:
   * the answer was stopped while written (a card says so in its data, for a template that shows it).
   */
  finish(text: string, ending?: { stopped: boolean }): Promise<void>;
  /**
   * This attempt will not finish the text (it failed): no more drafts, and the one in flight has
   * landed when this resolves, so nothing of this attempt arrives after what a later one sends.
   */
  discard(): Promise<void>;
  /**
   * Shows a queue notice while the message waits. A card shows it in place and stays open: the
   * answer replaces it. Messages carry it as a message of its own, recorded as delivered under
   * `notice`, so that a retried job does not send it again.
   */
  hold(text: string): Promise<void>;
}

/** What `openDelivery` is asked to deliver. */
export interface DeliveryPurpose {
  /**
   * Names the text among the job's deliveries; delivered parts are recorded under it. A `notice` is
   * held (`hold`) in the answer's card while that card waits for the answer, else sent as messages.
   */
  label: DeliveryLabel;
  /**
   * The text is written gradually (a model's answer), so it may be shown as it grows. Commands,
   * notes and refusals are not: they go out as plain messages.
   */
  gradual: boolean;
  /**
   * What cannot exist yet, so its record is not read (an answer's, on the job's first start): `parts`, a part of
   * this text delivered by an earlier start; `card`, the answer's card, which a queue notice may open before the
   * first start, so only when notices are off. Absent: both are read.
   */
  unwritten?: { parts: boolean; card: boolean };
}
