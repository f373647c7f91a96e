import type { RedisClient, RedisKeys, WorkerConfig } from '@dtbot/shared';
import { createModelClient, type ProviderEndpoint } from '../create-model-client.js';
import { ModelRateLimiter } from '../model-rate-limiter.js';
import type { ModelProvider } from './model-provider.js';

export interface ProviderBuildContext {
  redis: RedisClient;
  keys: RedisKeys;
  /** Goes through the configured proxy, if any. */
  fetch: typeof globalThis.fetch;
}

/** The first provider's name: the one of `OPENAI_*` or `AZURE_*`. */
export const PRIMARY_PROVIDER = 'primary';

/** The endpoint of `OPENAI_PROVIDER`: OpenAI or a compatible base URL, or Azure OpenAI. */
function primaryEndpoint(config: WorkerConfig): ProviderEndpoint {
  if (config.OPENAI_PROVIDER === 'azure') {
    // The config loader required both for this provider.
    return {
      type: 'azure',
      endpoint: config.AZURE_OPENAI_ENDPOINT!,
      apiKey: config.AZURE_OPENAI_API_KEY!,
      apiVersion: config.OPENAI_API_VERSION,
      deployment: config.AZURE_OPENAI_DEPLOYMENT,
    };
  }
  return { type: 'openai', baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY! };
}

/**
 * The providers in the order they are tried. The first is asked for the robot's model
 * (`OPENAI_MODEL`) and draws with `OPENAI_IMAGE_MODEL`; on Azure, pictures come from a deployment
 * of their own, named like the image model.
 */
export function providersFromConfig(config: WorkerConfig, context: ProviderBuildContext): ModelProvider[] {
  const options = { timeoutMs: config.OPENAI_TIMEOUT_MS, fetch: context.fetch };
  const endpoint = primaryEndpoint(config);
  const client = createModelClient(endpoint, options);
  const imageModel = config.OPENAI_IMAGE_MODEL;
  const imageClient =
    imageModel && endpoint.type === 'azure' ? createModelClient({ ...endpoint, deployment: imageModel }, options) : client;
  return [
    {
      name: PRIMARY_PROVIDER,
      client,
      model: undefined,
      images: imageModel ? { client: imageClient, model: imageModel } : undefined,
      limiter: new ModelRateLimiter(context.redis, context.keys, {
        rpm: config.OPENAI_RPM,
        tpm: config.OPENAI_TPM,
        marginMs: config.OPENAI_RATE_MARGIN_MS,
        leaseMs: config.OPENAI_TIMEOUT_MS + 5000,
      }),
    },
  ];
}
