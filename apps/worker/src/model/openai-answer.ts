import type OpenAI from 'openai';
import { refusesMaxTokens, type AnswerLimit } from './answer-limits.js';
import type { ModelOutput } from './model-output.js';
import type { OpenAIProvider } from './providers/model-provider.js';
import type { AnswerDeps, AnswerRequest } from './answer-request.js';
import { streamCompletion } from './stream-completion.js';

/**
 * The answer of an OpenAI-compatible (or Azure) provider, for the model it serves. A provider that
 * refuses `max_tokens` for this model is asked once more with `max_completion_tokens` (the refusal
 * cost it nothing, so both go under one admission), and every worker uses that from then on.
 */
export async function openAIAnswer(deps: AnswerDeps, provider: OpenAIProvider, request: AnswerRequest): Promise<ModelOutput> {
  const model = provider.model ?? request.model.model;
  const limit = request.model.maxTokens === undefined ? undefined : await deps.answerLimits.for(model);
  try {
    return await create(deps, provider, model, request, limit);
  } catch (error) {
    if (limit !== 'max_tokens' || !refusesMaxTokens(error)) throw error;
    await deps.answerLimits.learn(model);
    deps.logger.warn({ model, provider: provider.name }, 'the model refuses max_tokens; asking with max_completion_tokens from now on');
    return create(deps, provider, model, request, 'max_completion_tokens');
  }
}

async function create(
  deps: AnswerDeps,
  provider: OpenAIProvider,
  model: string,
  request: AnswerRequest,
  limit: AnswerLimit | undefined,
): Promise<ModelOutput> {
  const { maxTokens, temperature } = request.model;
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: request.messages,
    ...(limit && maxTokens ? { [limit]: maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(request.tools?.length ? { tools: request.tools, tool_choice: request.toolChoice ?? 'auto' } : {}),
  };
  if (request.onText) return streamCompletion(provider.client, body, request.onText, provider.timeoutMs, request.signal);
  const { signal } = request;
  let completion: OpenAI.Chat.ChatCompletion;
  try {
    completion = await provider.client.chat.completions.create(body, signal ? { signal } : undefined);
  } catch (error) {
    // Not streamed, nothing of it was shown: a stopped answer is empty.
    if (signal?.aborted) return { content: '', usage: undefined, stopped: true };
    throw error;
  }
  const message = completion.choices[0]?.message;
  const toolCalls = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
  );
  return { content: message?.content ?? '', usage: completion.usage, ...(toolCalls.length > 0 ? { toolCalls } : {}) };
}
