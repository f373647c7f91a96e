import type { WorkerDeps } from '../deps.js';
import { callModel, type CallModelDeps, type ModelPrompt } from '../model/call-model.js';
import { currentPersona, type PersonaSources } from '../personas/persona-choices.js';
import { modelChoice } from '../robot-options.js';
import { picturesNotReadNotice } from './canned-replies.js';
import type { Reply, ReplyContext } from './reply.js';

export type ModelAnswerDeps = CallModelDeps & PersonaSources & Pick<WorkerDeps, 'robotOptions' | 'memory' | 'sensitiveWords'>;

/**
 * The model's answer to the question, seeing the thread's remembered turns unless memory is off;
 * when the message also held pictures this robot does not read, the answer says so.
 */
export async function modelAnswer(deps: ModelAnswerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'model' }>): Promise<string> {
  const answer = await askModel(deps, context, reply.question);
  return reply.picturesNotRead ? `${answer}\n\n${picturesNotReadNotice(reply.picturesNotRead)}` : answer;
}

/**
 * Asks the robot's model as the thread's persona, with its remembered turns (none when memory is off). The
 * two reads go out together: they are independent and each is one round trip. The answer is streamed
 * into the delivery when it shows drafts (an AI card). Sensitive words in the answer, and in every
 * draft, are masked here, before it is delivered or remembered.
 */
export async function askModel(
  deps: ModelAnswerDeps,
  context: ReplyContext,
  question: string,
  pictures?: ModelPrompt['pictures'],
): Promise<string> {
  const { data, jobId } = context;
  const robot = deps.robotOptions(data.robotCode);
  const [history, persona] = await Promise.all([
    robot.memoryScope === 'none' ? [] : deps.memory.load(data.orderKey, jobId),
    currentPersona(deps, data),
  ]);
  if (context.stop) context.stop.about.persona = persona.name;
  const prompt: ModelPrompt = { model: modelChoice(robot), system: persona.prompt, history, question, ...(pictures ? { pictures } : {}) };
  const { delivery } = context;
  // Drafts are masked like the answer (a card shows them), a word still being written held back.
  const onText = delivery.showsProgress
    ? (draft: () => string) => delivery.progress(() => deps.sensitiveWords.maskDraft(draft()))
    : undefined;
  const answer = await callModel(deps, jobId, data, prompt, { onSent: context.started, onText, stop: context.stop });
  return deps.sensitiveWords.mask(answer);
}
