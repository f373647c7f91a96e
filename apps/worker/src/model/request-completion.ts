import { AsyncResource } from 'node:async_hooks';
import type OpenAI from 'openai';
import type { WorkerDeps } from '../deps.js';
import { refusesMaxTokens, type AnswerLimit } from './answer-limits.js';
import type { ModelOutput } from './model-output.js';
import { callProvider, type CallProviderDeps } from './providers/call-provider.js';
import type { ModelProvider } from './providers/model-provider.js';
import { streamCompletion } from './stream-completion.js';
import { stripReasoning } from './strip-reasoning.js';
import type { ModelChoice } from '../robot-options.js';
import type { ChatTokens } from '../tokens/chat-tokens.js';
import { MESSAGE_FRAMING_TOKENS } from '../tokens/token-counter.js';
import { WorkerFailure } from '../failures/worker-failure.js';

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
  /** When given, the answer is streamed and each new draft (its text computed on demand) is passed here. */
  onText?: ((draft: () => string) => void) | undefined;
  /** Aborted when someone stops the answer: the request ends, and what was written is the answer (`stopped`). */
  signal?: AbortSignal | undefined;
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
  /** The answer was stopped while written: `text` is what was written until then, possibly nothing. */
  stopped: boolean;
}

export type RequestCompletionDeps = CallProviderDeps & Pick<WorkerDeps, 'answerLimits' | 'tokens' | 'settings'>;

/**
 * One answer from the model, under the global rate limit, with its reasoning removed; streamed
 * when the caller shows drafts (`onText`), in one piece otherwise.
 */
export async function requestCompletion(deps: RequestCompletionDeps, request: CompletionRequest): Promise<Completion> {
  // Drafts go out on the delivery's own requests: bound to this context, outside the model call's,
  // so that none of them is taken for the model request's departure.
  const bound = request.onText && AsyncResource.bind(request.onText);
  let streamed = false;
  const onText = bound && ((draft: () => string) => {
    streamed = true;
    bound(draft);
  });
  const { result: output, permit, provider } = await callProvider(
    deps,
    'chat',
    request.estimatedTokens,
    (provider) => completeOn(deps, provider, request, onText),
    // Once drafts may have been shown, another provider would write a different answer over them.
    { onSent: request.onSent, shown: () => streamed },
  );
  const { usage } = output;
  const used = usage?.total_tokens;
  if (used !== undefined) await provider.limiter.correct(permit, request.estimatedTokens, used).catch(() => undefined);

  const raw = output.content;
  const answer = stripReasoning(raw).trim();
  const stopped = output.stopped === true;
  if (!answer && !stopped) {
    throw new WorkerFailure('model_empty_answer', raw.trim() ? 'model answered with reasoning only' : 'model returned an empty answer');
  }
  const asked = { text: answer, model: provider.model ?? request.model.model, apiUrl: provider.client.baseURL, stopped };
  if (usage) {
    const cachedInput = usage.prompt_tokens_details?.cached_tokens;
    return { ...asked, tokens: { input: usage.prompt_tokens, output: usage.completion_tokens, cachedInput }, counted: 'provider' };
  }
  // A stopped answer's text may be empty: no output, not a negative count.
  const answerTokens = raw ? deps.tokens.message(raw) - MESSAGE_FRAMING_TOKENS : 0;
  return { ...asked, tokens: { input: request.promptTokens, output: answerTokens }, counted: 'tokenizer' };
}

/**
 * The request on one provider, for the model it serves. A provider that refuses `max_tokens` for
 * this model is asked once more with `max_completion_tokens` (the refusal cost it nothing, so
 * both go under one admission), and every worker uses that from then on.
 */
async function completeOn(
  deps: RequestCompletionDeps,
  provider: ModelProvider,
  request: CompletionRequest,
  onText: ((draft: () => string) => void) | undefined,
): Promise<ModelOutput> {
  const model = provider.model ?? request.model.model;
  const limit = request.model.maxTokens === undefined ? undefined : await deps.answerLimits.for(model);
  try {
    return await create(deps, provider, model, request, limit, onText);
  } catch (error) {
    if (limit !== 'max_tokens' || !refusesMaxTokens(error)) throw error;
    await deps.answerLimits.learn(model);
    deps.logger.warn({ model, provider: provider.name }, 'the model refuses max_tokens; asking with max_completion_tokens from now on');
    return create(deps, provider, model, request, 'max_completion_tokens', onText);
  }
}

async function create(
  deps: RequestCompletionDeps,
  provider: ModelProvider,
  model: string,
  request: CompletionRequest,
  limit: AnswerLimit | undefined,
  onText: ((draft: () => string) => void) | undefined,
): Promise<ModelOutput> {
  const { maxTokens, temperature } = request.model;
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: request.messages,
    ...(limit && maxTokens ? { [limit]: maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  };
  const { signal } = request;
  if (onText) return streamCompletion(provider.client, body, onText, deps.settings.modelTimeoutMs, signal);
  try {
    const completion = await provider.client.chat.completions.create(body, signal ? { signal } : undefined);
    return { content: completion.choices[0]?.message?.content ?? '', usage: completion.usage };
  } catch (error) {
    // Not streamed, nothing of it was shown: a stopped answer is empty.
    if (signal?.aborted) return { content: '', usage: undefined, stopped: true };
    throw error;
  }
}
