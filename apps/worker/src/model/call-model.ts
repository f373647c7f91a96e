import type OpenAI from 'openai';
import type { WorkerDeps } from '../deps.js';
import type { Turn } from '../memory/trim-to-budget.js';
import { requestCompletion } from './request-completion.js';
import { REPLY_PRIMING_TOKENS } from '../tokens/token-counter.js';
import type { ModelChoice } from '../robot-options.js';

const ANSWER_TTL_SECONDS = 86_400;
/** Tokens reserved for the answer when OPENAI_MAX_TOKENS is not set. */
const ANSWER_ESTIMATE = 512;

/** What the model is asked: which model, the persona's system prompt, the thread's remembered turns, the question. */
export interface ModelPrompt {
  /** The robot's model and its sampling settings. */
  model: ModelChoice;
  system: string | undefined;
  history: readonly Turn[];
  question: string;
}

/**
 * Asks the model. The answer is kept per job, so a retry after a failed delivery re-sends the same
 * words instead of paying for (and showing) a different answer.
 */
export async function callModel(deps: WorkerDeps, jobId: string, prompt: ModelPrompt, onSent?: () => void): Promise<string> {
  const answerKey = deps.keys.answer(jobId);
  const cached = await deps.redis.get(answerKey);
  if (cached) return cached;

  const { model, system, history, question } = prompt;
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    ...history.map((turn) => ({ role: turn.role, content: turn.content })),
    { role: 'user', content: question },
  ];
  // Remembered turns carry the count made when they were stored; only the new text is counted here.
  const estimatedTokens =
    (system ? deps.tokens.message(system) : 0) +
    history.reduce((sum, turn) => sum + turn.tokens, 0) +
    deps.tokens.message(question) +
    REPLY_PRIMING_TOKENS +
    (model.maxTokens ?? ANSWER_ESTIMATE);

  const answer = await requestCompletion(deps, { model, messages, estimatedTokens, onSent });
  await deps.redis.set(answerKey, answer, 'EX', ANSWER_TTL_SECONDS);
  return answer;
}
