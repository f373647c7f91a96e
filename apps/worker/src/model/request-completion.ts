import type OpenAI from 'openai';
import { BotError } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { refusesMaxTokens, type AnswerLimit } from './answer-limits.js';
import { callUnderLimit } from './call-under-limit.js';
import { stripReasoning } from './strip-reasoning.js';
import type { ModelChoice } from '../robot-options.js';

export interface CompletionRequest {
  /** The robot's model and its sampling settings. */
  model: ModelChoice;
  messages: OpenAI.Chat.ChatCompletionMessageParam[];
  /** Tokens the call is expected to use (prompt and answer), for the TPM window until `usage` corrects it. */
  estimatedTokens: number;
  /** Told when the rate limiter admitted the request and it is sent. */
  onSent?: () => void;
}

/**
 * One answer from the model, under the global rate limit, with its reasoning removed. A provider
 * that refuses `max_tokens` for this model is asked once more with `max_completion_tokens`, and
 * every worker uses that from then on.
 */
export async function requestCompletion(deps: WorkerDeps, request: CompletionRequest): Promise<string> {
  const { model, maxTokens } = request.model;
  const limit = maxTokens === undefined ? undefined : await deps.answerLimits.for(model);
  try {
    return await attempt(deps, request, limit);
  } catch (error) {
    if (limit !== 'max_tokens' || !refusesMaxTokens(error)) throw error;
    await deps.answerLimits.learn(model);
    deps.logger.warn({ model }, 'the model refuses max_tokens; asking with max_completion_tokens from now on');
    return attempt(deps, request, 'max_completion_tokens');
  }
}

async function attempt(deps: WorkerDeps, request: CompletionRequest, limit: AnswerLimit | undefined): Promise<string> {
  const { model, maxTokens, temperature } = request.model;
  const { result: completion, permit } = await callUnderLimit(
    deps,
    request.estimatedTokens,
    () =>
      deps.openai.chat.completions.create({
        model,
        messages: request.messages,
        ...(limit && maxTokens ? { [limit]: maxTokens } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
      }),
    request.onSent,
  );
  if (completion.usage) {
    deps.metrics.modelTokens.inc({ direction: 'in' }, completion.usage.prompt_tokens);
    deps.metrics.modelTokens.inc({ direction: 'out' }, completion.usage.completion_tokens);
  }
  const used = completion.usage?.total_tokens;
  if (used !== undefined) await deps.limiter.correct(permit, request.estimatedTokens, used).catch(() => undefined);

  const raw = completion.choices[0]?.message?.content ?? '';
  const answer = stripReasoning(raw).trim();
  if (!answer) {
    throw new BotError('retryable', raw.trim() ? 'model answered with reasoning only' : 'model returned an empty answer');
  }
  return answer;
}
