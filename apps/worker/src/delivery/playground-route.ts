import { playgroundTargetOf, type PlaygroundAnswer, type PlaygroundTarget } from '@dtbot/shared';
import { WorkerFailure } from '../failures/worker-failure.js';
import type { MessageRoute } from './message-route.js';

/** Where the route hands an answer: the gateways' side of Redis (`deliverPlaygroundAnswer`). */
export type DeliverPlaygroundAnswer = (target: PlaygroundTarget, answer: PlaygroundAnswer) => Promise<'delivered' | 'session_gone'>;

/**
 * The one route of a playground message: its session webhook, which must name a playground session's chat
 * (`playgroundTargetOf`), and nothing is sent over the network. The answer goes into the session's transcript in
 * Redis with a nudge to the gateway holding the page (`deliver`), so no address has to agree between processes. A
 * session that has ended is final (`playground_session_gone`), as a gone DingTalk conversation is; Redis being away
 * is the retry every Redis failure gets. Its webhooks last as long as DingTalk's.
 */
export function playgroundRoute(deliver: DeliverPlaygroundAnswer): MessageRoute {
  return {
    name: 'playground',
    accepts: (job, now) => now < job.sessionWebhookExpiredTime,
    async send(job, message) {
      const target = playgroundTargetOf(job.sessionWebhook);
      if (!target) {
        throw new WorkerFailure('origin_not_allowed', `refused to deliver to ${originOf(job.sessionWebhook)}: not a playground session's webhook`);
      }
      const outcome = await deliver(target, { title: message.title, text: message.text, atUserIds: message.atUserIds });
      if (outcome === 'session_gone') {
        throw new WorkerFailure('playground_session_gone', `playground session ${target.sessionId} has ended: nobody can see the answer`);
      }
    },
  };
}

function originOf(address: string): string {
  try {
    return new URL(address).origin;
  } catch {
    return 'an address that is not a URL';
  }
}
