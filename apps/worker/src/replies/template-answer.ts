import type { WorkerDeps } from '../deps.js';
import { askModel } from './model-answer.js';
import type { Reply, ReplyContext } from './reply.js';

/** A template's question (its instruction around the user's text), answered like any question. */
export async function templateAnswer(deps: WorkerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'template' }>): Promise<string> {
  return askModel(deps, context, reply.question);
}
