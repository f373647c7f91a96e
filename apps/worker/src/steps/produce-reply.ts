import type { WorkerDeps } from '../deps.js';
import { commandReply } from '../replies/command-reply.js';
import { imageReply } from '../replies/image-reply.js';
import { modelAnswer } from '../replies/model-answer.js';
import { noteReply } from '../replies/note-reply.js';
import { refusalReply } from '../replies/refusal-reply.js';
import type { Reply, ReplyContext } from '../replies/reply.js';
import { templateAnswer } from '../replies/template-answer.js';
import { visionAnswer } from '../replies/vision-answer.js';

/** Produces the text of the reply with the one handler of its kind. */
export async function produceReply(deps: WorkerDeps, context: ReplyContext, reply: Reply): Promise<string> {
  switch (reply.kind) {
    case 'command':
      context.started();
      return commandReply(deps, context, reply);
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
