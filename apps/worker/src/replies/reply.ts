import type { MessageJob } from '@dtbot/shared';
import type { AnswerDelivery } from '../delivery/answer-delivery.js';
import type { Command } from './recognize-command.js';

/**
 * What a message gets, decided once by `decideReply` before anything is produced. Each kind has
 * one handler (`produceReply`); only a `model` reply reaches the model and is remembered.
 */
export type Reply =
  /** A command word (`/help`, `/reset`, …): answered by us, never by the model. */
  | { kind: 'command'; command: Command }
  /**
   * A message we cannot answer as asked: an empty question, a kind we cannot read, an image word
   * with nothing to draw, or an image request when no image model is configured.
   */
  | { kind: 'note'; note: 'empty_question' | 'unreadable_kind' | 'empty_image_prompt' | 'images_unavailable'; msgtype: string }
  /** A question for the model. */
  | { kind: 'model'; question: string }
  /** A picture to generate (`/image …`): it reaches a model and counts like a model answer, but is not remembered. */
  | { kind: 'image'; prompt: string };

export type ReplyKind = Reply['kind'];

/** The message a handler replies to, and the delivery its text will go out by. */
export interface ReplyContext {
  jobId: string;
  data: MessageJob;
  /** A handler that writes gradually (the model) may show progress here; the step delivers the final text. */
  delivery: AnswerDelivery;
  /**
   * Called when the reply's work begins: the model request sent (the rate limiter admitted it), or a command or
   * note produced. The worker times how long a message waited for it; a job handed back by a rate limit before
   * that has not started.
   */
  started: () => void;
}
