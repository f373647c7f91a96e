import type { MessageJob } from '@dtbot/shared';
import { openDelivery, type DeliveryDeps } from '../delivery/choose-route.js';

export type DeliverNoticeDeps = DeliveryDeps;

/**
 * Delivers a queue notice as the answer will be delivered. With AI cards, the answer's own card is made now and
 * shows the notice until the answer replaces it: one card, no second message. Otherwise it is one markdown message
 * by the job's route, recorded as delivered (`notice.0`) like any part.
 */
export async function deliverNotice(deps: DeliverNoticeDeps, jobId: string, data: MessageJob, text: string): Promise<'card' | 'message'> {
  const delivery = await openDelivery(deps, jobId, data, { label: 'notice', gradual: false });
  await delivery.hold(text);
  return delivery.via;
}
