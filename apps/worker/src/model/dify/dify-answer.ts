import type OpenAI from 'openai';
import type { AnswerDeps, AnswerRequest } from '../answer-request.js';
import type { ModelOutput } from '../model-output.js';
import type { DifyProvider } from '../providers/model-provider.js';
import { stripReasoning } from '../strip-reasoning.js';
import { WorkerFailure } from '../../failures/worker-failure.js';
import { askDify } from './dify-chat.js';
import { DifyError } from './dify-error.js';
import type { DifyUsage } from './dify-event.js';
import type { DifyAnswer } from './dify-stream.js';

/**
 * The answer of a Dify app: the question alone, continuing the conversation Dify keeps for this asker in this
 * memory thread (none when memory is off), and the conversation it answered in kept for the next question. A
 * conversation Dify no longer knows is forgotten and a new one started, once. The whole stream is bounded by the
 * provider's timeout; Dify's usage, and its price when it gives one in US dollars, come back with the answer.
 */
export async function difyAnswer(deps: AnswerDeps, provider: DifyProvider, request: AnswerRequest): Promise<ModelOutput> {
  if (!request.asker) throw new WorkerFailure('model_bad_request', 'a Dify app is asked the question alone, and none was given');
  const { user, thread, question } = request.asker;
  const timeout = AbortSignal.timeout(provider.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const onAnswer = request.onText && ((answer: string) => request.onText!(() => stripReasoning(answer).trim()));
  const ask = (conversationId: string | undefined) =>
    askDify(provider.dify, { query: question, user, conversationId }, signal, request.signal, onAnswer);
  const continuing = async (): Promise<DifyAnswer> => {
    if (thread === undefined) return ask(undefined);
    const known = await deps.difyConversations.find(thread, user);
    try {
      return await ask(known);
    } catch (error) {
      if (!(known && error instanceof DifyError && error.conversationUnknown)) throw error;
      deps.logger.info({ provider: provider.name }, 'the Dify app no longer knows the thread\'s conversation; starting a new one');
      await deps.difyConversations.drop(thread, user);
      return ask(undefined);
    }
  };

  let answered: DifyAnswer;
  try {
    answered = await continuing();
  } catch (error) {
    if (timeout.aborted) throw new WorkerFailure('model_too_slow', `the Dify app's answer did not end within ${provider.timeoutMs} ms`, { cause: error });
    throw error;
  }
  if (thread !== undefined && answered.conversationId) await deps.difyConversations.keep(thread, user, answered.conversationId);
  const stopped = request.signal?.aborted === true;
  return { content: answered.answer, usage: usageOf(answered.usage), costUsd: costUsdOf(answered.usage), ...(stopped ? { stopped } : {}) };
}

function usageOf(usage: DifyUsage | undefined): OpenAI.CompletionUsage | undefined {
  if (!usage) return undefined;
  const { prompt_tokens, completion_tokens } = usage;
  return { prompt_tokens, completion_tokens, total_tokens: usage.total_tokens ?? prompt_tokens + completion_tokens };
}

/** Dify's own price of the call, when it gives one in US dollars (the ledger's currency); else the price table's. */
function costUsdOf(usage: DifyUsage | undefined): number | undefined {
  if (!usage || usage.total_price === undefined || (usage.currency ?? 'USD').toUpperCase() !== 'USD') return undefined;
  const price = Number(usage.total_price);
  return Number.isFinite(price) && price >= 0 ? price : undefined;
}
