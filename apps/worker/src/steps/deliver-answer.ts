import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { openDelivery } from '../delivery/choose-route.js';

/** Delivers a whole text of this job (an answer, an apology) the way `openDelivery` chooses. */
export async function deliverAnswer(deps: WorkerDeps, jobId: string, data: MessageJob, text: string, label = 'answer'): Promise<void> {
  const delivery = await openDelivery(deps, jobId, data, label);
  await delivery.finish(text);
}
