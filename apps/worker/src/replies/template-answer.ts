import { askModel, type ModelAnswerDeps } from './model-answer.js';
import type { Reply, ReplyContext } from './reply.js';

export type TemplateAnswerDeps = ModelAnswerDeps;

/** A template's question (its instruction around the user's text), answered like any question. */
export async function templateAnswer(deps: TemplateAnswerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'template' }>): Promise<string> {
  return askModel(deps, context, reply.question);
}
