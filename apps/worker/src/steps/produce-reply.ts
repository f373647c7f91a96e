import type { WorkerDeps } from '../deps.js';
import { commandReply, type CommandReplyDeps } from '../replies/command-reply.js';
import { imageReply, type ImageReplyDeps } from '../replies/image-reply.js';
import { modelAnswer, type ModelAnswerDeps } from '../replies/model-answer.js';
import { noteReply } from '../replies/note-reply.js';
import { refusalReply } from '../replies/refusal-reply.js';
import { questionAsked, type Produced, type Reply, type ReplyContext } from '../replies/reply.js';
import { scheduleReply, type ScheduleReplyDeps } from '../schedules/schedule-reply.js';
import { fileAnswer, type FileAnswerDeps } from '../replies/file-answer.js';
import { templateAnswer, type TemplateAnswerDeps } from '../replies/template-answer.js';
import { visionAnswer, type VisionAnswerDeps } from '../replies/vision-answer.js';

export type ProduceReplyDeps = CommandReplyDeps &
  ModelAnswerDeps &
  VisionAnswerDeps &
  ImageReplyDeps &
  TemplateAnswerDeps &
  ScheduleReplyDeps &
  FileAnswerDeps &
  Pick<WorkerDeps, 'settings' | 'quotas'>;

/**
 * Produces the reply with the one handler of its kind, and says what the model was asked: the question for the
 * kinds that ask it (`questionAsked`), the file's turn for a file that was read, nothing otherwise.
 */
export async function produceReply(deps: ProduceReplyDeps, context: ReplyContext, reply: Reply): Promise<Produced> {
  if (reply.kind === 'file') return fileAnswer(deps, context, reply);
  return { text: await produceText(deps, context, reply), asked: questionAsked(reply) };
}

async function produceText(deps: ProduceReplyDeps, context: ReplyContext, reply: Exclude<Reply, { kind: 'file' }>): Promise<string> {
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
