import { robotMetricLabel, type RedisClient, type RedisKeys, type Robot, type RobotOptions, type WorkerConfig } from '@dtbot/shared';
import { createModelClient, type ModelClientOptions, type ProviderEndpoint } from '../create-model-client.js';
import { ModelRateLimiter, RATE_WINDOW_MARGIN_MS } from '../model-rate-limiter.js';
import { REQUEST_LEASE_MARGIN_MS } from '../model-timeout.js';
import type { ModelProvider } from './model-provider.js';
import { imageModelOf, type ProviderEntry } from './providers-file.js';

export interface ProviderBuildContext {
  redis: RedisClient;
  keys: RedisKeys;
  /** Goes through the configured proxy, if any: a Dify app's requests. */
  fetch: typeof globalThis.fetch;
  /** The model SDK's, through the same proxy (`modelFetch`); absent = `fetch`. */
  modelFetch?: typeof globalThis.fetch;
  /** One request, start to last byte, for a provider that names no timeout of its own (`MODEL_TIMEOUT_MS`). */
  timeoutMs: number;
}

/** The first provider's name: the one of `OPENAI_*` or `AZURE_*`. */
export const PRIMARY_PROVIDER = 'primary';
/** The name of the provider of `OPENAI_FALLBACK_*`. */
export const FALLBACK_PROVIDER = 'fallback';

/** The name a Dify app's calls are counted under when nothing names it. */
export const DIFY_MODEL = 'dify';

/** Where a Dify app's chat API is, and its key. */
type DifyEndpoint = { type: 'dify'; baseUrl: string; apiKey: string };

/** What makes a provider, before its clients and limiter are built. */
interface ProviderSpec {
  name: string;
  endpoint: ProviderEndpoint | DifyEndpoint;
  model: string | undefined;
  /** The images API's model (Azure: its deployment); `undefined` = no pictures. */
  imageModel: string | undefined;
  /** `false`: it only draws pictures, never asked for answers. */
  chats: boolean;
  rpm: number;
  tpm: number;
  /** `undefined` = the deployment's (`ProviderBuildContext.timeoutMs`). */
  timeoutMs?: number | undefined;
}

/** The endpoint of `OPENAI_PROVIDER`: OpenAI or a compatible base URL, Azure OpenAI, or a Dify app. */
function primaryEndpoint(config: WorkerConfig): ProviderEndpoint | DifyEndpoint {
  // The config loader required both for this provider.
  if (config.OPENAI_PROVIDER === 'dify') return { type: 'dify', baseUrl: config.DIFY_BASE_URL!, apiKey: config.DIFY_API_KEY! };
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

function specOfEntry(entry: ProviderEntry): ProviderSpec {
  const limits = { rpm: entry.rpm ?? 0, tpm: entry.tpm ?? 0, timeoutMs: entry.timeoutMs };
  if (entry.type === 'azure') {
    return {
      name: entry.name,
      endpoint: { type: 'azure', endpoint: entry.endpoint, apiKey: entry.apiKey, apiVersion: entry.apiVersion, deployment: entry.deployment },
      model: entry.model,
      imageModel: imageModelOf(entry),
      chats: entry.chat,
      ...limits,
    };
  }
  return {
    name: entry.name,
    endpoint: { type: 'openai', baseURL: entry.baseUrl, apiKey: entry.apiKey },
    model: entry.model,
    imageModel: imageModelOf(entry),
    chats: entry.chat,
    ...limits,
  };
}

/**
 * The providers in the order they are tried: the one of `OPENAI_*` / `AZURE_*` (asked for the
 * robot's model, limited by `OPENAI_RPM` / `OPENAI_TPM`), the fallback of `OPENAI_FALLBACK_*`, then
 * each entry of `PROVIDERS_FILE`. Only entries of the file draw pictures (`imageModel` /
 * `imageDeployment`); those with `chat: false` do nothing else.
 */
export function providersFromConfig(config: WorkerConfig, entries: readonly ProviderEntry[], context: ProviderBuildContext): ModelProvider[] {
  const specs: ProviderSpec[] = [
    {
      name: PRIMARY_PROVIDER,
      endpoint: primaryEndpoint(config),
      model: config.OPENAI_PROVIDER === 'dify' ? DIFY_MODEL : undefined,
      imageModel: undefined,
      chats: true,
      rpm: config.OPENAI_RPM,
      tpm: config.OPENAI_TPM,
    },
  ];
  if (config.OPENAI_FALLBACK_BASE_URL && config.OPENAI_FALLBACK_API_KEY) {
    specs.push({
      name: FALLBACK_PROVIDER,
      endpoint: { type: 'openai', baseURL: config.OPENAI_FALLBACK_BASE_URL, apiKey: config.OPENAI_FALLBACK_API_KEY },
      model: config.OPENAI_FALLBACK_MODEL,
      imageModel: undefined,
      chats: true,
      rpm: 0,
      tpm: 0,
    });
  }
  specs.push(...entries.map(specOfEntry));
  return specs.map((spec, index) => buildProvider(spec, context, config, index === 0));
}

function buildProvider(spec: ProviderSpec, context: ProviderBuildContext, config: WorkerConfig, first: boolean): ModelProvider {
  const { endpoint, imageModel } = spec;
  const timeoutMs = spec.timeoutMs ?? context.timeoutMs;
  const options: ModelClientOptions = { timeoutMs, fetch: context.modelFetch ?? context.fetch };
  const limiter = limiterOf(spec, timeoutMs, context, config, first);
  if (endpoint.type === 'dify') {
    const dify = { baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey, fetch: context.fetch };
    return { kind: 'dify', name: spec.name, model: spec.model ?? DIFY_MODEL, images: undefined, chats: true, limiter, timeoutMs, dify };
  }
  const client = createModelClient(endpoint, options);
  // On Azure, pictures come from a deployment of their own.
  const imageClient = imageModel && endpoint.type === 'azure' ? createModelClient({ ...endpoint, deployment: imageModel }, options) : client;
  return {
    kind: 'openai',
    name: spec.name,
    client,
    model: spec.model,
    images: imageModel ? { client: imageClient, model: imageModel } : undefined,
    chats: spec.chats,
    limiter,
    timeoutMs,
  };
}

function limiterOf(spec: ProviderSpec, timeoutMs: number, context: ProviderBuildContext, config: WorkerConfig, first: boolean): ModelRateLimiter {
  return new ModelRateLimiter(context.redis, context.keys, {
    rpm: spec.rpm,
    tpm: spec.tpm,
    marginMs: RATE_WINDOW_MARGIN_MS,
    leaseMs: timeoutMs + REQUEST_LEASE_MARGIN_MS,
    // The first provider keeps the keys it had before there were several.
    ...(first ? {} : { provider: spec.name }),
  });
}

/**
 * The providers of each robot whose `ROBOTS_FILE` entry names a Dify app: that app alone, under the rate limit of
 * `OPENAI_RPM` / `OPENAI_TPM` (windows of its own), named `dify-<robot>` after the robot's metric label (its name,
 * or a digest of its AppKey). Every other robot is answered by the deployment's providers.
 */
export function robotProvidersFromConfig(
  config: WorkerConfig,
  robots: readonly Robot[],
  optionsOf: (robotCode: string) => RobotOptions,
  context: ProviderBuildContext,
): Map<string, readonly ModelProvider[]> {
  const found = new Map<string, readonly ModelProvider[]>();
  for (const { robotCode } of robots) {
    if (robotCode === undefined) continue;
    const { dify, name } = optionsOf(robotCode);
    if (!dify) continue;
    const spec: ProviderSpec = {
      name: `dify-${robotMetricLabel(robotCode, name)}`,
      endpoint: { type: 'dify', baseUrl: dify.baseUrl, apiKey: dify.apiKey },
      model: dify.app ?? DIFY_MODEL,
      imageModel: undefined,
      chats: true,
      rpm: config.OPENAI_RPM,
      tpm: config.OPENAI_TPM,
    };
    found.set(robotCode, [buildProvider(spec, context, config, false)]);
  }
  return found;
}
