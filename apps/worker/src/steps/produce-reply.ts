import type { WorkerDeps } from '../deps.js';
import { commandReply, type CommandReplyDeps } from '../replies/command-reply.js';
import { imageReply, type ImageReplyDeps } from '../replies/image-reply.js';
import { modelAnswer, type ModelAnswerDeps } from '../replies/model-answer.js';
import { noteReply } from '../replies/note-reply.js';
import { refusalReply } from '../replies/refusal-reply.js';
import type { Reply, ReplyContext } from '../replies/reply.js';
import { scheduleReply, type ScheduleReplyDeps } from '../schedules/schedule-reply.js';
import { templateAnswer, type TemplateAnswerDeps } from '../replies/template-answer.js';
import { visionAnswer, type VisionAnswerDeps } from '../replies/vision-answer.js';

export type ProduceReplyDeps = CommandReplyDeps &
  ModelAnswerDeps &
  VisionAnswerDeps &
  ImageReplyDeps &
  TemplateAnswerDeps &
  ScheduleReplyDeps &
  Pick<WorkerDeps, 'settings' | 'quotas'>;

/** Produces the text of the reply with the one handler of its kind. */
export async function produceReply(deps: ProduceReplyDeps, context: ReplyContext, reply: Reply): Promise<string> {
  switch (reply.kind) {
    case 'command':
      context.started();
      return commandReply(deps, context, reply);
    case 'schedule':
      context.started();
      return scheduleReply(deps, context, reply.command);
    case 'note':
      context.started();
      return noteReply(reply, deps.settings);
    case 'model':
      return modelAnswer(deps, context, reply);
    case 'vision':
      return visionAnswer(deps, context, reply);
    case 'image':
      return imageReply(deps, context, reply);
    case 'template':
      return templateAnswer(deps, context, reply);
    case 'refusal':
      context.started();
      return refusalReply(reply, deps.quotas.limits.timeZone);
  }
}
