import type { MessageFile, MessageJob } from '@dtbot/shared';
import type { AnswerDelivery } from '../delivery/answer-delivery.js';
import type { Template } from '../personas/persona-catalog.js';
import type { Command } from '@dtbot/shared';
import type { ScheduleCommand } from '../schedules/schedule-command.js';
import type { StopWatch } from '../stops/answer-stops.js';

/**
 * What a message gets, decided once by `decideReply` before anything is produced. Each kind has
 * one handler (`produceReply`); only the kinds that ask the model (`questionAsked`) are remembered.
 */
export type Reply =
  /** A command word (`/help`, `/reset`, `/persona 翻译官`, …): answered by us, never by the model. */
  | { kind: 'command'; command: Command; argument?: string; vote?: 'up' | 'down' }
  /** An admin's `/schedule …`: the chat's scheduled prompts listed, added, removed or run now. */
  | { kind: 'schedule'; command: ScheduleCommand }
  /**
   * A message we cannot answer as asked: an empty question, a kind we cannot read, a template
   * without text, an image word with nothing to draw, or an image request without an image model.
   */
  | Note
  /**
   * A question for the model (with the quoted message before it, when there is one).
   * `picturesNotRead`: the message also held pictures, which this robot does not read; the answer says so.
   */
  | { kind: 'model'; question: string; picturesNotRead?: number }
  /**
   * A question with pictures, for a robot whose model reads them (`OPENAI_VISION`): their download
   * codes, at most `MAX_PICTURES_PER_QUESTION`; `picturesSkipped` more were sent, and the answer says so.
   */
  | { kind: 'vision'; question: string; pictures: readonly string[]; picturesSkipped?: number }
  /**
   * A file the message carries or quotes, for a robot with an app to download it with: read, and put into the
   * conversation with `question` (what the user wrote about it, or the ask for a summary) after it.
   */
  | { kind: 'file'; question: string; file: MessageFile }
  /** `#周报 text`: the template's instruction around the user's text, asked like a question. */
  | { kind: 'template'; template: string; question: string }
  /** A picture to generate (`/image …`): it reaches a model and counts like a model answer, but is not remembered. */
  | { kind: 'image'; prompt: string }
  /**
   * A short no: the asker may not use the robot, or this command, or has no questions left today, or
   * the day's budget is spent. Nothing reaches the model, nothing is counted.
   */
  | Refusal;

export type Refusal =
  | { kind: 'refusal'; refusal: 'access_denied' | 'admins_only' | 'sensitive_question' }
  /** A daily quota is used up; `msToReset` is the time left until midnight in `QUOTA_TIMEZONE`. */
  | { kind: 'refusal'; refusal: 'quota_exceeded'; scope: 'user' | 'group'; limit: number; msToReset: number }
  /** Today's estimated spend reached a daily budget (the deployment's or the robot's); it resets at midnight in `QUOTA_TIMEZONE`. */
  | { kind: 'refusal'; refusal: 'budget_reached'; scope: 'deployment' | 'robot'; msToReset: number };

export type Note =
  | { kind: 'note'; note: 'empty_question' | 'empty_image_prompt' | 'images_unavailable' | 'unrecognized_audio' | 'pictures_not_read'; msgtype: string }
  /**
   * A kind we cannot read (video, …, a file for a robot without an app); the note names what can be sent: pictures
   * when the robot reads them, files when it can download them.
   */
  | { kind: 'note'; note: 'unreadable_kind'; msgtype: string; readsPictures: boolean; readsFiles: boolean }
  | { kind: 'note'; note: 'template_without_text'; template: Template };

export type ReplyKind = Reply['kind'];

/**
 * Whether a reply of each kind spends a model call (a question, a template, a picture), never
 * commands, notes or refusals. A new kind must say where it stands here (the compiler asks).
 */
const SPENDS_MODEL_CALL: Record<ReplyKind, boolean> = {
  command: false,
  // Adding one spends nothing; each of its runs is a message of its own, counted then.
  schedule: false,
  note: false,
  model: true,
  vision: true,
  file: true,
  template: true,
  image: true,
  refusal: false,
};

/** What reaches a model is what the sensitive-word check guards. */
export function reachesModel(reply: Reply): boolean {
  return SPENDS_MODEL_CALL[reply.kind];
}

/** The daily quotas cap model calls, so exactly what reaches a model counts against them. */
export function countsAgainstQuota(reply: Reply): boolean {
  return SPENDS_MODEL_CALL[reply.kind];
}

/**
 * The question as the model was asked it, for the kinds that ask the model: memory stores it with
 * the answer, and the answer is counted as answered. `undefined` for every other kind. A file's turn is known only
 * once it is read: its handler says what was asked (`Produced.asked`), and here it is the user's words.
 */
export function questionAsked(reply: Reply): string | undefined {
  switch (reply.kind) {
    case 'model':
    case 'template':
    case 'file':
      return reply.question;
    case 'vision':
      // The pictures themselves are not kept: later turns see that there were some.
      return `${reply.question}\n（附图 ${reply.pictures.length} 张）`.trim();
    case 'command':
    case 'schedule':
    case 'note':
    case 'image':
    case 'refusal':
      return undefined;
  }
}

/** A reply's text, and the question as the model was asked it (memory keeps the two), if it was. */
export interface Produced {
  text: string;
  asked: string | undefined;
}

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
  /** The job's first start (`isFirstStart`): no earlier start can have kept an answer for it, so none is read. */
  firstStart?: boolean;
  /** The stop of this answer, for the kinds that ask the model: the model request ends when it fires. */
  stop?: StopWatch | undefined;
}
