import { randomUUID } from 'node:crypto';
import { BotError } from '@dtbot/shared';
import type { WorkerDeps } from '../../deps.js';
import { callUnderLimit } from '../call-under-limit.js';
import { verdictOf } from './call-verdict.js';
import type { ModelProvider } from './model-provider.js';
import { isOutOfService, type CircuitChange, type ProviderCircuits } from './provider-circuits.js';
import { WorkerFailure } from '../../failures/worker-failure.js';

/** What a request needs of a provider: chat completions (every provider but a picture-only one) or pictures. */
export type ProviderNeed = 'chat' | 'images';

const NEEDS: readonly ProviderNeed[] = ['chat', 'images'];

/** A provider able to serve `N`: one that draws has its images API. */
export type ServingProvider<N extends ProviderNeed> = N extends 'images'
  ? ModelProvider & { images: NonNullable<ModelProvider['images']> }
  : ModelProvider;

function serves<N extends ProviderNeed>(provider: ModelProvider, need: N): provider is ServingProvider<N> {
  return need === 'chat' ? provider.chats : provider.images !== undefined;
}

/**
 * Whether some need has more than one provider to choose from: only then is there anywhere to switch to, and
 * circuits worth keeping. A picture-only provider beside a single one that answers leaves answers as they are
 * with a single provider.
 */
export function canSwitchProviders(providers: readonly ModelProvider[]): boolean {
  return NEEDS.some((need) => providers.filter((provider) => serves(provider, need)).length > 1);
}

export interface CallProgress {
  /** Told once the limiter admitted the request, as it is sent (again if another provider is tried). */
  onSent?: () => void;
  /**
   * Whether the user already saw part of this answer (a streamed draft). A provider that fails
   * after that is not replaced within the call: the job is tried again, at once.
   */
  shown?: () => boolean;
}

export type CallProviderDeps = Pick<WorkerDeps, 'providers' | 'circuits' | 'metrics' | 'logger'>;

/**
 * One model request on the first provider that serves it and whose circuit lets it through, under
 * that provider's rate limit (`callUnderLimit`). Returns which provider answered, whose limiter
 * holds the call's `permit`.
 *
 * With several providers that serve the need, each call's outcome is reported to its provider's
 * circuit (`ProviderCircuits`, shared by every worker); a need only one provider serves has nowhere
 * to switch to, so its failures are the job's retries, as with a single provider. A call that
 * fails on a provider whose circuit is then open (this failure opened it, or another worker's did)
 * is sent to the next provider at once, in the same attempt: the user never waits out a backoff
 * for a provider that is known to be down, and the answer says nothing of the switch.
 */
export async function callProvider<T, N extends ProviderNeed>(
  deps: CallProviderDeps,
  need: N,
  estimatedTokens: number,
  call: (provider: ServingProvider<N>) => Promise<T>,
  progress: CallProgress = {},
): Promise<{ result: T; permit: string; provider: ModelProvider }> {
  const candidates = deps.providers.filter((candidate): candidate is ServingProvider<N> => serves(candidate, need));
  const first = candidates[0];
  if (!first) throw new WorkerFailure('no_provider', `no model provider serves ${need}`);
  if (!deps.circuits || candidates.length === 1) {
    const { result, permit } = await callUnderLimit(deps, first, estimatedTokens, () => call(first), progress.onSent);
    return { result, permit, provider: first };
  }
  return failover(deps, deps.circuits, candidates, estimatedTokens, call, progress);
}

async function failover<T, P extends ModelProvider>(
  deps: CallProviderDeps,
  circuits: ProviderCircuits,
  candidates: readonly P[],
  estimatedTokens: number,
  call: (provider: P) => Promise<T>,
  progress: CallProgress,
): Promise<{ result: T; permit: string; provider: ModelProvider }> {
  const left = [...candidates];
  for (;;) {
    const route = left.length > 0 ? await circuits.choose(left.map(({ name }) => name), randomUUID()) : undefined;
    if (route?.provider === undefined) {
      const next = route ? `; the first cool-down ends in ${Math.ceil(route.waitMs / 1000)} s` : '';
      throw new WorkerFailure('providers_out_of_service', `every model provider that could serve this is out of service${next}`);
    }
    const provider = left.find(({ name }) => name === route.provider)!;
    if (route.probe) deps.logger.info({ provider: provider.name }, 'model provider cool-down over; this call is its probe');
    let sent = false;
    try {
      const { result, permit } = await callUnderLimit(
        deps,
        provider,
        estimatedTokens,
        () => {
          sent = true;
          return call(provider);
        },
        progress.onSent,
      );
      await report(deps, circuits, provider, route.probe, { verdict: 'ok', openForMs: 0 });
      return { result, permit, provider };
    } catch (error) {
      // callUnderLimit throws classified errors only.
      const failure = error as BotError;
      if (!sent) {
        // Our own limiter held it back: the provider said nothing; a probe's lease goes back.
        if (route.probe) await report(deps, circuits, provider, route.probe, { verdict: 'unsent', openForMs: 0 });
        throw failure;
      }
      const change = await report(deps, circuits, provider, route.probe, verdictOf(failure, circuits.options.maxWaitMs));
      if (!isOutOfService(change)) throw failure;
      if (progress.shown?.()) throw new WorkerFailure('provider_failed_mid_answer', failure.message, { cause: failure });
      deps.logger.warn({ provider: provider.name, err: failure.message }, 'model call failed on a provider that is out of service; trying the next');
      left.splice(left.indexOf(provider), 1);
    }
  }
}

/**
 * Reports a call's outcome to its provider's circuit, and logs and counts a switch. A report that
 * Redis did not take is not the call's failure: the call's own outcome stands.
 */
async function report(
  deps: CallProviderDeps,
  circuits: ProviderCircuits,
  provider: ModelProvider,
  probe: string | undefined,
  outcome: ReturnType<typeof verdictOf> | { verdict: 'ok' | 'unsent'; openForMs: number },
): Promise<CircuitChange> {
  let change: CircuitChange;
  try {
    change = await circuits.report(provider.name, outcome.verdict, probe, outcome.openForMs);
  } catch (error) {
    deps.logger.warn({ provider: provider.name, err: error }, 'model provider circuit could not be updated');
    return '';
  }
  if (change === 'opened') {
    deps.metrics.providerSwitches.inc({ provider: provider.name, direction: 'away' });
    deps.logger.warn(
      { provider: provider.name, verdict: outcome.verdict, openForMs: Math.max(outcome.openForMs, circuits.options.cooldownMs) },
      'model provider circuit opened; the next provider serves',
    );
  } else if (change === 'reopened') {
    deps.logger.warn({ provider: provider.name, verdict: outcome.verdict }, 'model provider probe failed; its circuit stays open for another cool-down');
  } else if (change === 'closed') {
    deps.metrics.providerSwitches.inc({ provider: provider.name, direction: 'back' });
    deps.logger.info({ provider: provider.name }, 'model provider probe succeeded; its circuit is closed and it serves again');
  }
  return change;
}
