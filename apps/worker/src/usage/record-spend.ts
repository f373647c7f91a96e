import { randomUUID } from 'node:crypto';
import { robotMetricLabel } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import type { CountedAsker } from '../counting/counted-as.js';
import type { ChatTokens } from '../tokens/chat-tokens.js';

/** One call to a model: a chat answer, or pictures from the images API. */
export type ModelCall =
  | { kind: 'chat'; model: string; apiUrl: string; tokens: ChatTokens; costUsd?: number | undefined }
  | { kind: 'image'; model: string; apiUrl: string; images: number; tokens: ChatTokens | undefined };

export type RecordSpendDeps = Pick<WorkerDeps, 'usage' | 'prices' | 'metrics' | 'logger' | 'robotOptions'>;

/**
 * Prices a model call and records it: into the day's usage in Redis (for `/usage` and the daily
 * budgets) and into the worker's counters by robot (its name or digest, never its AppKey) and model. Called right after the call and
 * before its answer is kept, so an answer that is kept has always been counted; a retried job that
 * finds its answer kept makes no call and counts nothing. A failure to record, or to price or count, is logged and
 * the answer still goes out: the user's answer matters more than the accounting of it. Never rejects.
 */
export async function recordSpend(
  deps: RecordSpendDeps,
  jobId: string,
  asker: CountedAsker,
  call: ModelCall,
): Promise<void> {
  // Everything is inside the try, pricing and counters too: callers send this without waiting for it, so a throw
  // here (a price table's bug, a counter refusing a negative count) would otherwise end the process.
  try {
    // A provider that prices its own calls (a Dify app) is taken at its word.
    const costUsd =
      call.kind === 'chat' ? (call.costUsd ?? deps.prices.chat(call.model, call.tokens, call.apiUrl)) : deps.prices.image(call.model, call, call.apiUrl);
    const labels = { robot: robotMetricLabel(asker.robotCode, deps.robotOptions(asker.robotCode).name), model: call.model };
    const tokensIn = call.tokens?.input ?? 0;
    const tokensOut = call.tokens?.output ?? 0;
    deps.metrics.modelTokens.inc({ ...labels, direction: 'in' }, tokensIn);
    deps.metrics.modelTokens.inc({ ...labels, direction: 'out' }, tokensOut);
    if (call.kind === 'image') deps.metrics.images.inc(labels, call.images);
    if (costUsd === undefined) deps.metrics.unpricedCalls.inc(labels);
    else deps.metrics.modelCostUsd.inc(labels, costUsd);
    const images = call.kind === 'image' ? call.images : 0;
    await deps.usage.record(jobId, randomUUID(), asker, { model: call.model, tokensIn, tokensOut, images, costUsd });
  } catch (error) {
    deps.logger.error({ jobId, model: call.model, err: error }, 'usage could not be recorded');
  }
}
