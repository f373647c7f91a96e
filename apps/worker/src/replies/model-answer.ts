import type { WorkerDeps } from '../deps.js';
import { callModel } from '../model/call-model.js';
import type { Reply, ReplyContext } from './reply.js';

/** The model's answer to the question, seeing the thread's remembered turns unless memory is off. */
export async function modelAnswer(deps: WorkerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'model' }>): Promise<string> {
  const history = deps.robotOptions(context.data.robotCode).memoryScope === 'none' ? [] : await deps.memory.load(context.data.orderKey, context.jobId);
  return callModel(deps, context.jobId, reply.question, history, context.started);
}
