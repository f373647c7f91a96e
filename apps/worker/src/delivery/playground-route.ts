import { isPlaygroundWebhook } from '@dtbot/shared';
import { WorkerFailure } from '../failures/worker-failure.js';
import type { DingTalkClient } from '../dingtalk/dingtalk-client.js';
import type { MessageRoute } from './message-route.js';
import { webhookMarkdown } from './webhook-route.js';

/**
 * The one route of a playground message: its session webhook, which must be one of the gateway's
 * playground webhooks (under `webhookPrefix`, from `PLAYGROUND_URL`). The gateway answers there as
 * a DingTalk sessionWebhook does (errcode 0, or DingTalk's codes for a gone session and a refused
 * body), so `client` (allowed `PLAYGROUND_URL`'s origin alone) posts and reads it as one, and its
 * failures are classified as DingTalk's are. Its webhooks last as long as DingTalk's.
 */
export function playgroundRoute(client: Pick<DingTalkClient, 'postToWebhook'>, webhookPrefix: string): MessageRoute {
  return {
    name: 'playground',
    accepts: (job, now) => now < job.sessionWebhookExpiredTime,
    async send(job, message) {
      if (!isPlaygroundWebhook(job.sessionWebhook, webhookPrefix)) {
        throw new WorkerFailure('origin_not_allowed', `refused to call ${originOf(job.sessionWebhook)}: not the playground's webhook (PLAYGROUND_URL)`);
      }
      await client.postToWebhook(job.sessionWebhook, webhookMarkdown(message));
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
