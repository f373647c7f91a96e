import type OpenAI from 'openai';
import type { WorkerDeps } from '../deps.js';
import type { Turn } from '../memory/trim-to-budget.js';
import type { RequestCompletionDeps } from './request-completion.js';
import { REPLY_PRIMING_TOKENS } from '../tokens/token-counter.js';
import type { ModelChoice } from '../robot-options.js';
import { countedAs, type CountedAsker } from '../counting/counted-as.js';
import type { RecordSpendDeps } from '../usage/record-spend.js';
import { answerWithTools, type AnswerWithToolsDeps, type ToolProgress } from '../tools/answer-with-tools.js';
import type { StopWatch } from '../stops/answer-stops.js';

const ANSWER_TTL_SECONDS = 86_400;
/** Tokens reserved for the answer when OPENAI_MAX_TOKENS is not set. */
const ANSWER_ESTIMATE = 512;
/**
 * Tokens a picture is counted as before the answer's `usage` corrects it: OpenAI's vision models
 * count a detailed 1024×1024 picture as 765, larger ones more.
 */
const PICTURE_ESTIMATE = 1000;

/** What the model is asked: which model, the persona's system prompt, the thread's remembered turns, the question. */
export interface ModelPrompt {
  /** The robot's model and its sampling settings. */
  model: ModelChoice;
  /** The memory thread the question is asked in; `undefined` when memory is off. */
  thread?: string | undefined;
  system: string | undefined;
  history: readonly Turn[];
  question: string;
  /**
   * The pictures that go with the question, as data URLs: loaded only when the model is asked, not
   * for a retry that finds the answer already made.
   */
  pictures?: () => Promise<readonly string[]>;
  /** The persona answering (its name): with the robot, it decides which tool servers the model may use. */
  persona?: string;
}

export type CallModelDeps = RequestCompletionDeps &
  RecordSpendDeps &
  AnswerWithToolsDeps &
  Pick<WorkerDeps, 'redis' | 'keys' | 'tokens' | 'providersFor' | 'tools'>;

/**
 * Asks the model, and records what the call used for whom it answered (`asker`); with `onText`, the
 * answer is streamed and each draft passed on. The answer is kept
 * per job, so a retry after a failed delivery re-sends the same words instead of paying for (and
 * showing) a different answer; the usage record is sent before the answer is kept, in the same round trip, and
 * Redis runs it first, so no kept answer goes uncounted.
 */
export async function callModel(
  deps: CallModelDeps,
  jobId: string,
  asker: CountedAsker,
  prompt: ModelPrompt,
  progress: { onSent?: () => void; onText?: (draft: () => string) => void; firstStart?: boolean; stop?: StopWatch | undefined } & ToolProgress = {},
): Promise<string> {
  const { stop, onTools, onToolsDone, firstStart, ...shown } = progress;
  const answerKey = deps.keys.answer(jobId);
  // Only an earlier start of the job can have kept an answer: its first start asks at once.
  const cached = firstStart ? null : await deps.redis.get(answerKey);
  // A retry of a stopped answer finds its stop mark still set: the kept text is what was shown, and stays stopped.
  if (cached !== null && (cached || stop?.signal.aborted)) {
    if (stop?.signal.aborted) stop.stopped = true;
    return cached;
  }
  if (stop?.signal.aborted) {
    // Stopped before the model was asked: nothing written, nothing spent.
    stop.stopped = true;
    return '';
  }

  const { model, system, history, question } = prompt;
  const pictures = prompt.pictures ? await prompt.pictures() : [];
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    ...history.map((turn) => ({ role: turn.role, content: turn.content })),
    { role: 'user', content: pictures.length === 0 ? question : withPictures(question, pictures) },
  ];
  // Remembered turns carry the count made when they were stored; only the new text is counted here.
  const promptTokens =
    (system ? deps.tokens.message(system) : 0) +
    history.reduce((sum, turn) => sum + turn.tokens, 0) +
    deps.tokens.message(question) +
    REPLY_PRIMING_TOKENS +
    pictures.length * PICTURE_ESTIMATE;
  const estimatedTokens = promptTokens + (model.maxTokens ?? ANSWER_ESTIMATE);

  // A provider that keeps the history itself (a Dify app) is sent the asker, the thread and the question instead.
  const answerer = { user: countedAs(asker).user, thread: prompt.thread, question };
  const set = deps.tools && prompt.persona !== undefined
    ? await deps.tools.forAsker({ robotCode: asker.robotCode, robotName: deps.robotOptions(asker.robotCode).name, persona: prompt.persona })
    : undefined;
  const tools = set && deps.tools ? { set, maxSteps: deps.tools.maxSteps } : undefined;
  // The whole bag is copied only for a robot with providers of its own (a Dify app): not for every answer.
  const providers = deps.providersFor(asker.robotCode);
  const completion = await answerWithTools(
    providers === deps.providers ? deps : { ...deps, providers },
    jobId,
    asker,
    { model, messages, estimatedTokens, promptTokens, asker: answerer, ...shown, signal: stop?.signal },
    tools,
    { onTools, onToolsDone },
  );
  if (stop) {
    stop.stopped = completion.stopped;
    stop.about.model = completion.model;
  }
  await deps.redis.set(answerKey, completion.text, 'EX', ANSWER_TTL_SECONDS);
  return completion.text;
}

/** A question with pictures: its text, then each picture, as the chat API's content parts. */
function withPictures(question: string, pictures: readonly string[]): OpenAI.Chat.ChatCompletionContentPart[] {
  return [
    ...(question ? [{ type: 'text' as const, text: question }] : []),
    ...pictures.map((url) => ({ type: 'image_url' as const, image_url: { url } })),
  ];
}
