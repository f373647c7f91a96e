import type OpenAI from 'openai';
import type { ModelRateLimiter } from '../model-rate-limiter.js';

/**
 * One place the worker can ask for answers (and pictures): its client, the model it is asked for,
 * and its own rate limits. Providers are tried in their configured order (`providers-from-config.ts`).
 */
export interface ModelProvider {
  /** Unique; in logs, metrics and Redis keys. `primary` for the one of `OPENAI_*` / `AZURE_*`. */
  name: string;
  /** Chat completions. */
  client: OpenAI;
  /** The model this provider is asked for; `undefined` = the model the robot asks for. */
  model: string | undefined;
  /** The images API and its model; `undefined` = this provider draws no pictures. */
  images: { client: OpenAI; model: string } | undefined;
  /** Its requests and tokens per minute, and its 429 congestion state, shared by every worker. */
  limiter: ModelRateLimiter;
}
