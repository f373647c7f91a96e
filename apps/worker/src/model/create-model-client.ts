import OpenAI, { AzureOpenAI } from 'openai';

/**
 * Where a provider is and how to sign in: OpenAI or any OpenAI-compatible endpoint (DeepSeek,
 * Qwen, vLLM, Ollama…), or Azure OpenAI (deployment path, `api-version`, `api-key` header).
 */
export type ProviderEndpoint =
  | { type: 'openai'; baseURL: string; apiKey: string }
  | { type: 'azure'; endpoint: string; apiKey: string; apiVersion: string; deployment: string | undefined };

export interface ModelClientOptions {
  /** One request, start to response. */
  timeoutMs: number;
  /** Goes through the configured proxy, if any. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The SDK client of one provider; Azure through the SDK's own `AzureOpenAI`.
 *
 * Everything is passed explicitly: left unset, the SDK would read OPENAI_BASE_URL, OPENAI_ORG_ID
 * and other variables from the environment behind the config's back.
 */
export function createModelClient(endpoint: ProviderEndpoint, { timeoutMs, fetch = globalThis.fetch }: ModelClientOptions): OpenAI {
  // The queue retries failed jobs with backoff; SDK retries on top would multiply every attempt.
  const common = { timeout: timeoutMs, maxRetries: 0, organization: null, project: null, fetch };
  if (endpoint.type === 'azure') {
    return new AzureOpenAI({
      ...common,
      // What the SDK builds from `endpoint`; given as baseURL so an OPENAI_BASE_URL in the
      // environment cannot collide with it.
      baseURL: `${endpoint.endpoint.replace(/\/+$/, '')}/openai`,
      apiKey: endpoint.apiKey,
      apiVersion: endpoint.apiVersion,
      deployment: endpoint.deployment,
    });
  }
  return new OpenAI({ ...common, apiKey: endpoint.apiKey, baseURL: endpoint.baseURL });
}
