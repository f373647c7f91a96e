import { AsyncResource } from 'node:async_hooks';
import type { WorkerDeps } from '../deps.js';
import { answerOn } from './answer-on.js';
import type { AnswerDeps, AnswerRequest } from './answer-request.js';
import type { ModelToolCall } from './model-output.js';
import { callProvider, type CallProviderDeps } from './providers/call-provider.js';
import { apiUrlOf } from './providers/model-provider.js';
import { reportedUsage } from './reported-usage.js';
import { stripReasoning } from './strip-reasoning.js';
import type { ChatTokens } from '../tokens/chat-tokens.js';
import { MESSAGE_FRAMING_TOKENS } from '../tokens/token-counter.js';
import { WorkerFailure } from '../failures/worker-failure.js';

export interface CompletionRequest extends AnswerRequest {
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
  /** What it cost in US dollars as the provider itself said (a Dify app); `undefined` = priced by the price table. */
  costUsd?: number | undefined;
  /** The functions the model asked to call instead of (or before) answering; absent = it answered. */
  toolCalls?: ModelToolCall[];
  /** The answer was stopped while written: `text` is what was written until then, possibly nothing. */
  stopped: boolean;
}

export type RequestCompletionDeps = CallProviderDeps & AnswerDeps & Pick<WorkerDeps, 'tokens'>;

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
    (provider) => answerOn(deps, provider, { ...request, onText }),
    // Once drafts may have been shown, another provider would write a different answer over them.
    { onSent: request.onSent, shown: () => streamed },
  );
  const { usage } = output;
  const reported = usage && reportedUsage(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens, usage.prompt_tokens_details?.cached_tokens);
  if (reported) await provider.limiter.correct(permit, request.estimatedTokens, reported.total).catch(() => undefined);

  const raw = output.content;
  const answer = stripReasoning(raw).trim();
  const toolCalls = output.toolCalls?.length ? { toolCalls: output.toolCalls } : {};
  const stopped = output.stopped === true;
  if (!answer && !toolCalls.toolCalls && !stopped) {
    throw new WorkerFailure('model_empty_answer', raw.trim() ? 'model answered with reasoning only' : 'model returned an empty answer');
  }
  const asked = { text: answer, model: provider.model ?? request.model.model, apiUrl: apiUrlOf(provider), costUsd: output.costUsd, stopped, ...toolCalls };
  if (reported) return { ...asked, tokens: reported.tokens, counted: 'provider' };
  // No usage, or none that can be believed. A stopped answer's text may be empty: no output, not a negative count.
  const answerTokens = raw ? deps.tokens.message(raw) - MESSAGE_FRAMING_TOKENS : 0;
  return { ...asked, tokens: { input: request.promptTokens, output: answerTokens }, counted: 'tokenizer' };
}

