import { APIError } from 'openai';
import { BotError, type RedisClient, type RedisKeys } from '@dtbot/shared';

/** The request field that caps an answer's tokens (`OPENAI_MAX_TOKENS`). */
export type AnswerLimit = 'max_tokens' | 'max_completion_tokens';

/** How long a worker trusts what it read from Redis before it looks again for what others learned. */
const RECHECK_MS = 30_000;

/**
 * OpenAI's reasoning models (o1, o3, o4-mini…) and the gpt-5 family refuse `max_tokens` and take
 * `max_completion_tokens`; everything else, OpenAI-compatible servers included, takes `max_tokens`.
 */
export function answerLimitByName(model: string): AnswerLimit {
  const name = model.trim().toLowerCase().replace(/^openai\//, '');
  return /^(o\d|gpt-5)/.test(name) ? 'max_completion_tokens' : 'max_tokens';
}

/**
 * The provider's 400 for a model that does not take `max_tokens` (OpenAI and Azure:
 * "Unsupported parameter: 'max_tokens' is not supported with this model. Use
 * 'max_completion_tokens' instead."). A `max_tokens` that is merely too large is another 400.
 */
export function refusesMaxTokens(error: unknown): boolean {
  const cause = error instanceof BotError ? error.cause : error;
  if (!(cause instanceof APIError) || cause.status !== 400) return false;
  if (cause.code === 'unsupported_parameter' && cause.param === 'max_tokens') return true;
  return /max_tokens/.test(cause.message) && /unsupported|not supported|max_completion_tokens/i.test(cause.message);
}

/**
 * Which field each model takes: by its name, or as a provider taught a worker by refusing
 * `max_tokens`. What one worker learns goes to Redis, so every worker learns it (each looks again
 * at most every 30 s; one that has not yet recovers once by itself).
 */
export class AnswerLimits {
  private readonly known = new Map<string, { limit: AnswerLimit; until: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async for(model: string): Promise<AnswerLimit> {
    if (answerLimitByName(model) === 'max_completion_tokens') return 'max_completion_tokens';
    const known = this.known.get(model);
    if (known && known.until > Date.now()) return known.limit;
    const learned = await this.redis.hget(this.keys.answerLimits(), model);
    const limit: AnswerLimit = learned === 'max_completion_tokens' ? learned : 'max_tokens';
    this.known.set(model, { limit, until: Date.now() + RECHECK_MS });
    return limit;
  }

  async learn(model: string): Promise<void> {
    this.known.set(model, { limit: 'max_completion_tokens', until: Number.POSITIVE_INFINITY });
    await this.redis.hset(this.keys.answerLimits(), model, 'max_completion_tokens');
  }
}
