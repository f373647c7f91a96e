import { z } from 'zod';

const providerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ and - (at most 32): it names the provider in metrics and Redis keys');

/** Its own limits: requests and tokens per minute, shared by every worker (absent or 0 = none), and its timeout. */
const limits = {
  rpm: z.number().int().min(0).optional(),
  tpm: z.number().int().min(0).optional(),
  /** One request, start to last byte; absent = `MODEL_TIMEOUT_MS`. A slow self-hosted model may need longer. */
  timeoutMs: z.number().int().min(1000).optional(),
};

/**
 * `false`: this entry only draws pictures, and is never asked for answers. It then needs its image model (or
 * deployment), checked with the whole file below: a discriminated union takes plain objects only.
 */
const chat = z.boolean().default(true);

const openaiEntry = z
  .object({
    name: providerName,
    type: z.literal('openai'),
    /** Any OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1. */
    baseUrl: z.string().url(),
    apiKey: z.string().min(1),
    /** Asked of this provider instead of the robot's model; absent = the robot's. */
    model: z.string().min(1).optional(),
    /** Its images API's model; absent = it draws no pictures. */
    imageModel: z.string().min(1).optional(),
    chat,
    ...limits,
  })
  .strict();

const deploymentName = z.string().regex(/^[\w.-]+$/, 'letters, digits, _ . - only');

const azureEntry = z
  .object({
    name: providerName,
    type: z.literal('azure'),
    /** The resource, e.g. https://<name>.openai.azure.com. */
    endpoint: z.string().url(),
    apiKey: z.string().min(1),
    /** The deployment to call; absent = the deployment named like the model. */
    deployment: deploymentName.optional(),
    apiVersion: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a date like 2024-10-21, optionally with -preview')
      .default('2024-10-21'),
    /** The model its deployment runs; absent = the robot's. */
    model: z.string().min(1).optional(),
    /** The deployment that draws pictures; absent = it draws none. */
    imageDeployment: deploymentName.optional(),
    chat,
    ...limits,
  })
  .strict();

/** Names the worker gives the providers of the environment. */
export const RESERVED_PROVIDER_NAMES = ['primary', 'fallback'] as const;

/**
 * `PROVIDERS_FILE`: providers tried, in this order, after the one of `OPENAI_*` / `AZURE_*` and
 * the fallback of `OPENAI_FALLBACK_*`. Unknown keys are refused, so a misspelt option is not
 * silently ignored.
 */
export const providersFileSchema = z
  .object({ providers: z.array(z.discriminatedUnion('type', [openaiEntry, azureEntry])).min(1, 'lists no provider') })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>(RESERVED_PROVIDER_NAMES);
    file.providers.forEach((provider, index) => {
      if (seen.has(provider.name)) {
        const why = (RESERVED_PROVIDER_NAMES as readonly string[]).includes(provider.name) ? 'is the name of a provider of the environment' : 'is listed twice';
        ctx.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: `${provider.name} ${why}` });
      }
      seen.add(provider.name);
      if (!provider.chat && imageModelOf(provider) === undefined) {
        const field = provider.type === 'azure' ? 'imageDeployment' : 'imageModel';
        ctx.addIssue({
          code: 'custom',
          path: ['providers', index, 'chat'],
          message: `chat: false makes ${provider.name} draw pictures only, but it names no ${field}: it would serve nothing`,
        });
      }
    });
  });

export type ProviderEntry = z.infer<typeof providersFileSchema>['providers'][number];

/** The model (Azure: the deployment) an entry draws pictures with; `undefined` = it draws none. */
export function imageModelOf(entry: ProviderEntry): string | undefined {
  return entry.type === 'azure' ? entry.imageDeployment : entry.imageModel;
}
