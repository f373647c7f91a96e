import { BotError } from '@dtbot/shared';
import type { WorkerDeps } from '../../deps.js';
import { callUnderLimit } from '../call-under-limit.js';
import type { ModelProvider } from './model-provider.js';

/** What a request needs of a provider: chat completions (every provider) or pictures. */
export type ProviderNeed = 'chat' | 'images';

/** A provider able to serve `N`: one that draws has its images API. */
export type ServingProvider<N extends ProviderNeed> = N extends 'images'
  ? ModelProvider & { images: NonNullable<ModelProvider['images']> }
  : ModelProvider;

function serves<N extends ProviderNeed>(provider: ModelProvider, need: N): provider is ServingProvider<N> {
  return need === 'chat' || provider.images !== undefined;
}

/**
 * One model request on the provider that serves it, under that provider's rate limit
 * (`callUnderLimit`). Returns which provider answered, whose limiter holds the call's `permit`.
 */
export async function callProvider<T, N extends ProviderNeed>(
  deps: Pick<WorkerDeps, 'providers' | 'metrics'>,
  need: N,
  estimatedTokens: number,
  call: (provider: ServingProvider<N>) => Promise<T>,
  onSent?: () => void,
): Promise<{ result: T; permit: string; provider: ModelProvider }> {
  const provider = deps.providers.find((candidate): candidate is ServingProvider<N> => serves(candidate, need));
  if (!provider) throw new BotError('fatal', `no model provider serves ${need}`);
  const { result, permit } = await callUnderLimit({ limiter: provider.limiter, metrics: deps.metrics }, estimatedTokens, () => call(provider), onSent);
  return { result, permit, provider };
}
