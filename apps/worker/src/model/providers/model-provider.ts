import type OpenAI from 'openai';
import type { ModelRateLimiter } from '../model-rate-limiter.js';

/** What every provider has, whatever answers behind it. */
interface ProviderCommon {
  /** Unique; in logs, metrics and Redis keys. `primary` for the one of `OPENAI_*` / `AZURE_*`. */
  name: string;
  /** The model this provider is asked for; `undefined` = the model the robot asks for. */
  model: string | undefined;
  /** The images API and its model; `undefined` = this provider draws no pictures. */
  images: { client: OpenAI; model: string } | undefined;
  /** Asked for answers; `false` = it only draws pictures (a `PROVIDERS_FILE` entry's `chat: false`). */
  chats: boolean;
  /** Its requests and tokens per minute, and its 429 congestion state, shared by every worker. */
  limiter: ModelRateLimiter;
  /** One request to it, start to last byte (a streamed answer included). */
  timeoutMs: number;
}

/** OpenAI or any OpenAI-compatible endpoint, or Azure OpenAI: chat completions through the SDK. */
export interface OpenAIProvider extends ProviderCommon {
  kind: 'openai';
  client: OpenAI;
}

/** A Dify app: its chat API (`POST {baseUrl}/chat-messages`), which keeps each conversation's history itself. */
export interface DifyApp {
  /** Its API base, such as `https://api.dify.ai/v1`. */
  baseUrl: string;
  /** The app's API key (`app-…`): sent as a bearer token, never logged. */
  apiKey: string;
  /** Goes through the configured proxy, if any. */
  fetch: typeof globalThis.fetch;
}

/** A Dify app answers: it is sent the question alone, and continues the thread's conversation there. */
export interface DifyProvider extends ProviderCommon {
  kind: 'dify';
  /** The name its calls are counted under in the usage ledger (`dify` unless the robot names the app). */
  model: string;
  images: undefined;
  chats: true;
  dify: DifyApp;
}

/**
 * One place the worker can ask for answers (and pictures): an answering backend of one kind, the
 * model it is asked for, and its own rate limits. Providers are tried in their configured order
 * (`providers-from-config.ts`); `answer-on.ts` asks each kind in its own way.
 */
export type ModelProvider = OpenAIProvider | DifyProvider;

/** The address a provider's answers come from: it tells one provider's price of a model from another's. */
export function apiUrlOf(provider: ModelProvider): string {
  return provider.kind === 'dify' ? provider.dify.baseUrl : provider.client.baseURL;
}
