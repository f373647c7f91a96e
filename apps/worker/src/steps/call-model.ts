import { randomUUID } from 'node:crypto';
import type OpenAI from 'openai';
import { BotError, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { REPLY_PRIMING_TOKENS } from '../tokens/token-counter.js';
import type { Turn } from '../memory/trim-to-budget.js';
import { classifyError } from '../classify-error.js';

const ANSWER_TTL_SECONDS = 86_400;
/** Tokens reserved for the answer when OPENAI_MAX_TOKENS is not set. */
const ANSWER_ESTIMATE = 512;

/**
 * Asks the model, under the global rate limit. The answer is kept per job, so a retry after a
 * failed delivery re-sends the same words instead of paying for (and showing) a different answer.
 */
export async function callModel(deps: WorkerDeps, jobId: string, data: MessageJob, history: readonly Turn[]): Promise<string> {
  const answerKey = deps.keys.answer(jobId);
  const cached = await deps.redis.get(answerKey);
  if (cached) return cached;

  const { settings } = deps;
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    ...(settings.systemPrompt ? [{ role: 'system' as const, content: settings.systemPrompt }] : []),
    ...history.map((turn) => ({ role: turn.role, content: turn.content })),
    { role: 'user', content: data.prompt },
  ];
  // Remembered turns carry the count made when they were stored; only the new text is counted here.
  const estimate =
    (settings.systemPrompt ? deps.tokens.message(settings.systemPrompt) : 0) +
    history.reduce((sum, turn) => sum + turn.tokens, 0) +
    deps.tokens.message(data.prompt) +
    REPLY_PRIMING_TOKENS +
    (settings.maxTokens ?? ANSWER_ESTIMATE);

  const permit = randomUUID();
  const wait = await deps.limiter.acquire(permit, estimate);
  if (wait > 0) throw new BotError('rate_limited', 'model rate limit reached', { retryAfterMs: wait, waitScope: 'queue' });

  const stopTimer = deps.metrics.modelSeconds.startTimer();
  let completion: OpenAI.Chat.ChatCompletion;
  try {
    completion = await deps.openai.chat.completions.create({
      model: settings.model,
      messages,
      ...(settings.maxTokens ? { max_tokens: settings.maxTokens } : {}),
      ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    });
  } catch (error) {
    const failure = classifyError(error);
    deps.metrics.modelRequests.inc({ result: failure.kind });
    const outcome = failure.kind === 'rate_limited' ? 'throttled' : 'error';
    await deps.limiter.release(permit, outcome, failure.retryAfterMs).catch(() => undefined);
    throw failure;
  } finally {
    stopTimer();
  }
  deps.metrics.modelRequests.inc({ result: 'ok' });
  await deps.limiter.release(permit, 'ok').catch(() => undefined);

  const answer = completion.choices[0]?.message?.content?.trim();
  if (!answer) throw new BotError('retryable', 'model returned an empty answer');
  const used = completion.usage?.total_tokens;
  if (used !== undefined) await deps.limiter.correct(permit, estimate, used).catch(() => undefined);
  await deps.redis.set(answerKey, answer, 'EX', ANSWER_TTL_SECONDS);
  return answer;
}
