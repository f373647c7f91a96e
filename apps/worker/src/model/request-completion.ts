import type OpenAI from 'openai';
import { BotError } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { refusesMaxTokens, type AnswerLimit } from './answer-limits.js';
import { callProvider } from './providers/call-provider.js';
import type { ModelProvider } from './providers/model-provider.js';
import { stripReasoning } from './strip-reasoning.js';
import type { ModelChoice } from '../robot-options.js';
import type { ChatTokens } from '../tokens/chat-tokens.js';
import { MESSAGE_FRAMING_TOKENS } from '../tokens/token-counter.js';

export interface CompletionRequest {
  /** The robot's model and its sampling settings (a provider may serve a model of its own instead). */
  model: ModelChoice;
  messages: OpenAI.Chat.ChatCompletionMessageParam[];
  /** Tokens the call is expected to use (prompt and answer), for the TPM window until `usage` corrects it. */
  estimatedTokens: number;
  /** The prompt's tokens as our tokenizer counts them: the call's input when the provider reports no usage. */
  promptTokens: number;
  /** Told when the rate limiter admitted the request and it is sent. */
  onSent?: () => void;
}

/** An answer, and what it cost: the model that wrote it, where, and its tokens. */
export interface Completion {
  /** The answer, its reasoning removed. */
  text: string;
  /** The model the provider that answered was asked for. */
  model: string;
  /** That provider's base URL (it tells one provider's price of a model from another's). */
  apiUrl: string;
  /** The provider's usage; our count of the prompt and of the whole answer (reasoning included) when it sent none. */
  tokens: ChatTokens;
  counted: 'provider' | 'tokenizer';
}

/**
 * One answer from the model, under the global rate limit, with its reasoning removed.
 */
export async function requestCompletion(deps: WorkerDeps, request: CompletionRequest): Promise<Completion> {
  const { result: completion, permit, provider } = await callProvider(
    deps,
    'chat',
    request.estimatedTokens,
    (provider) => completeOn(deps, provider, request),
    { onSent: request.onSent },
  );
  const used = completion.usage?.total_tokens;
  if (used !== undefined) await provider.limiter.correct(permit, request.estimatedTokens, used).catch(() => undefined);

  const raw = completion.choices[0]?.message?.content ?? '';
  const answer = stripReasoning(raw).trim();
  if (!answer) {
    throw new BotError('retryable', raw.trim() ? 'model answered with reasoning only' : 'model returned an empty answer');
  }
  const asked = { text: answer, model: provider.model ?? request.model.model, apiUrl: provider.client.baseURL };
  const { usage } = completion;
  if (usage) {
    const cachedInput = usage.prompt_tokens_details?.cached_tokens;
    return { ...asked, tokens: { input: usage.prompt_tokens, output: usage.completion_tokens, cachedInput }, counted: 'provider' };
  }
  return { ...asked, tokens: { input: request.promptTokens, output: deps.tokens.message(raw) - MESSAGE_FRAMING_TOKENS }, counted: 'tokenizer' };
}

/**
 * The request on one provider, for the model it serves. A provider that refuses `max_tokens` for
 * this model is asked once more with `max_completion_tokens` (the refusal cost it nothing, so
 * both go under one admission), and every worker uses that from then on.
 */
async function completeOn(deps: WorkerDeps, provider: ModelProvider, request: CompletionRequest): Promise<OpenAI.Chat.ChatCompletion> {
  const model = provider.model ?? request.model.model;
  const limit = request.model.maxTokens === undefined ? undefined : await deps.answerLimits.for(model);
  try {
    return await create(provider, model, request, limit);
  } catch (error) {
    if (limit !== 'max_tokens' || !refusesMaxTokens(error)) throw error;
    await deps.answerLimits.learn(model);
    deps.logger.warn({ model, provider: provider.name }, 'the model refuses max_tokens; asking with max_completion_tokens from now on');
    return create(provider, model, request, 'max_completion_tokens');
  }
}

function create(
  provider: ModelProvider,
  model: string,
  request: CompletionRequest,
  limit: AnswerLimit | undefined,
): Promise<OpenAI.Chat.ChatCompletion> {
  const { maxTokens, temperature } = request.model;
  return provider.client.chat.completions.create({
    model,
    messages: request.messages,
    ...(limit && maxTokens ? { [limit]: maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  });
}
