import OpenAI, { AzureOpenAI } from 'openai';
import type { WorkerConfig } from '@dtbot/shared';

/**
 * The model client of the configured provider: OpenAI or any OpenAI-compatible endpoint
 * (`OPENAI_BASE_URL`: DeepSeek, Qwen, vLLM, Ollama…), or Azure OpenAI through the SDK's own
 * `AzureOpenAI` (deployment path, `api-version`, `api-key` header; `azureDeployment` for a client
 * of another deployment, such as the image model's).
 *
 * Everything is passed explicitly: left unset, the SDK would read OPENAI_BASE_URL, OPENAI_ORG_ID
 * and other variables from the environment behind the config's back.
 */
export function createModelClient(
  config: WorkerConfig,
  { fetch = globalThis.fetch, azureDeployment = config.AZURE_OPENAI_DEPLOYMENT }: { fetch?: typeof globalThis.fetch; azureDeployment?: string | undefined } = {},
): OpenAI {
  // The queue retries failed jobs with backoff; SDK retries on top would multiply every attempt.
  // `fetch` goes through the configured proxy, if any.
  const common = { timeout: config.OPENAI_TIMEOUT_MS, maxRetries: 0, organization: null, project: null, fetch };
  if (config.OPENAI_PROVIDER === 'azure') {
    // The config loader required both for this provider.
    const endpoint = config.AZURE_OPENAI_ENDPOINT!.replace(/\/+$/, '');
    return new AzureOpenAI({
      ...common,
      // What the SDK builds from `endpoint`; given as baseURL so an OPENAI_BASE_URL in the
      // environment cannot collide with it.
      baseURL: `${endpoint}/openai`,
      apiKey: config.AZURE_OPENAI_API_KEY!,
      apiVersion: config.OPENAI_API_VERSION,
      deployment: azureDeployment,
    });
  }
  return new OpenAI({ ...common, apiKey: config.OPENAI_API_KEY!, baseURL: config.OPENAI_BASE_URL });
}
