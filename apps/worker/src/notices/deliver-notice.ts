import type { MessageJob } from '@dtbot/shared';
import { CardAnswer } from '../delivery/card/card-answer.js';
import { openCardDelivery } from '../delivery/card/open-card.js';
import { sendMessage, type DeliveryDeps } from '../delivery/choose-route.js';
import { messageDelivery } from '../delivery/message-delivery.js';

/**
 * Delivers a queue notice as the answer will be delivered. With AI cards, the answer's own card is made now and
 * shows the notice until the answer replaces it: one card, no second message. Otherwise it is one markdown message
 * by the job's route, recorded as delivered (`notice.0`) like any part.
 */
export async function deliverNotice(deps: DeliveryDeps, jobId: string, data: MessageJob, text: string): Promise<'card' | 'message'> {
  const card = await openCardDelivery(deps, jobId, data, { label: 'answer', gradual: true });
  if (card instanceof CardAnswer && card.showsProgress) {
    await card.hold(text);
    return 'card';
  }
  await messageDelivery(deps, jobId, data, 'notice', (message) => sendMessage(deps, data, message)).finish(text);
  return 'message';
}
