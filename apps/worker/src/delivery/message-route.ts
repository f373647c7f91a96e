import type { MessageJob } from '@dtbot/shared';
import type { ReplyMessage } from './format-reply.js';

export type RouteName = 'webhook' | 'openapi' | 'playground';

/**
 * One way to put a markdown message into the chat a job came from. `sendMessage`
 * (`choose-route.ts`) tries the routes of the job's source in order.
 */
export interface MessageRoute {
  readonly name: RouteName;
  /** Whether this route can carry a message of this job at `now` (ms). */
  accepts(job: MessageJob, now: number): boolean;
  /** Sends one message; throws what DingTalk answered (`DingTalkError`) or a `WorkerFailure` when it was not taken. */
  send(job: MessageJob, message: ReplyMessage): Promise<void>;
}
