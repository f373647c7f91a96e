import type { WorkerDeps } from '../deps.js';
import { callModel, type CallModelDeps, type ModelPrompt } from '../model/call-model.js';
import { currentPersona, personaChosen, type CurrentPersona, type PersonaSources } from '../personas/persona-choices.js';
import type { Turn } from '../memory/trim-to-budget.js';
import { modelChoice } from '../robot-options.js';
import { picturesNotReadNotice } from './canned-replies.js';
import type { Reply, ReplyContext } from './reply.js';
import { toolProgress } from '../tools/tool-progress.js';

export type ModelAnswerDeps = CallModelDeps & PersonaSources & Pick<WorkerDeps, 'robotOptions' | 'memory' | 'sensitiveWords' | 'logger'>;

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
 * two are read together, in one command (`threadOf`). The answer is streamed
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
  const [history, persona] = await threadOf(deps, jobId, data, robot.memoryScope === 'none');
  if (context.stop) context.stop.about.persona = persona.name;
  const prompt: ModelPrompt = {
    model: modelChoice(robot),
    system: persona.prompt,
    history,
    question,
    thread: robot.memoryScope === 'none' ? undefined : data.orderKey,
    persona: persona.name,
    ...(pictures ? { pictures } : {}),
  };
  const { delivery } = context;
  // Drafts are masked like the answer (a card shows them), a word still being written held back.
  const onText = delivery.showsProgress
    ? (draft: () => string) => delivery.progress(() => deps.sensitiveWords.maskDraft(draft()))
    : undefined;
  const tools = deps.tools ? toolProgress(delivery, deps.logger, deps.tools.noticeAfterMs) : {};
  const answer = await callModel(deps, jobId, data, prompt, {
    onSent: context.started,
    onText,
    firstStart: context.firstStart ?? false,
    stop: context.stop,
    ...tools,
  });
  return deps.sensitiveWords.mask(answer);
}

/** The thread's remembered turns and persona: one MGET of both keys (of one shard), or the persona alone without memory. */
async function threadOf(
  deps: ModelAnswerDeps,
  jobId: string,
  data: ReplyContext['data'],
  noMemory: boolean,
): Promise<[readonly Turn[], CurrentPersona]> {
  if (noMemory) return [[], await currentPersona(deps, data)];
  const { turns, alongside } = await deps.memory.loadWith(data.orderKey, jobId, deps.personaChoices.keyOf(data.orderKey));
  return [turns, personaChosen(deps, data, alongside)];
}
