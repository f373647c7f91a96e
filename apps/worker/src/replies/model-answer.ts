import type { WorkerDeps } from '../deps.js';
import { callModel } from '../model/call-model.js';
import { currentPersona } from '../personas/persona-choices.js';
import type { Reply, ReplyContext } from './reply.js';

/** The model's answer to the question, seeing the thread's remembered turns unless memory is off. */
export async function modelAnswer(deps: WorkerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'model' }>): Promise<string> {
  return askModel(deps, context, reply.question);
}

/**
 * Asks the model as the thread's persona, with its remembered turns (none when memory is off). The
 * two reads go out together: they are independent and each is one round trip. Sensitive words in the
 * answer are masked here, before it is delivered or remembered.
 */
export async function askModel(deps: WorkerDeps, context: ReplyContext, question: string): Promise<string> {
  const { data, jobId } = context;
  const remembers = deps.robotOptions(data.robotCode).memoryScope !== 'none';
  const [history, persona] = await Promise.all([
    remembers ? deps.memory.load(data.orderKey, jobId) : [],
    currentPersona(deps, data.orderKey),
  ]);
  const answer = await callModel(deps, jobId, { system: persona.prompt, history, question }, context.started);
  return deps.sensitiveWords.mask(answer);
}
